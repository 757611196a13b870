import { PackageURL } from 'packageurl-js'
import type { Distro } from '../model/index.js'

/** `debian-12`, `alpine-3.18.4`, `rocky-9.3`: the purl `distro` qualifier as syft and trivy write it. */
export function distroQualifier(d: Distro | undefined): string | undefined {
  if (!d) return undefined
  return d.versionId ? `${d.id}-${d.versionId}` : d.id
}

export function makePurl(
  type: string,
  namespace: string | undefined,
  name: string,
  version: string | undefined,
  qualifiers: Record<string, string | undefined> = {},
  subpath?: string,
): string {
  const q: Record<string, string> = {}
  for (const [k, v] of Object.entries(qualifiers)) if (v !== undefined && v !== '') q[k] = v
  return new PackageURL(type, namespace, name, version, Object.keys(q).length ? q : undefined, subpath).toString()
}
