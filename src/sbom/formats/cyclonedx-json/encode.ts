import type { Distro, Package, Sbom } from '../../../model/index.js'
import {
  classifyLicense,
  contentUuid,
  distroProperties,
  issueProperties,
  joinWithAnd,
  type Property,
  packageProperties,
  packageSupplier,
  parseContact,
  sortedPackages,
  targetIdentity,
  targetProperties,
  utcSeconds,
} from '../common/index.js'

export const CYCLONEDX_SPEC_VERSION = '1.6'
const SCHEMA_URL = 'http://cyclonedx.org/schema/bom-1.6.schema.json'

/** CycloneDX `licenseChoice`: either license objects (by SPDX id or by name) or exactly one expression. */
type LicenseChoice =
  | { license: { id: string; acknowledgement: 'declared' } | { name: string; acknowledgement: 'declared' } }
  | { expression: string; acknowledgement: 'declared' }

interface OrganizationalEntity {
  name: string
  contact?: { email: string }[]
}

interface Component {
  'bom-ref': string
  type: 'application' | 'container' | 'file' | 'library' | 'operating-system'
  supplier?: OrganizationalEntity
  name: string
  version?: string
  description?: string
  licenses?: LicenseChoice[]
  purl?: string
  externalReferences?: { type: 'website'; url: string }[]
  properties?: Property[]
}

interface Dependency {
  ref: string
  dependsOn: string[]
}

/**
 * Encodes the SBOM as a CycloneDX 1.6 JSON BOM, shaped like the image BOMs syft, trivy and Docker Scout write:
 * the image is `metadata.component` (type `container`), the distro an `operating-system` component, every
 * package a `library` component (OS packages too), and the image depends on all of them.
 * The output is deterministic: same SBOM, same bytes.
 */
export function encodeCycloneDx(sbom: Sbom): string {
  const target = targetIdentity(sbom.target)
  const imageRef = target.purl ?? `target:${sbom.target.ref}`
  const components: Component[] = []
  if (sbom.distro) components.push(osComponent(sbom.distro))
  for (const p of sortedPackages(sbom)) components.push(packageComponent(p))

  const image: Component = {
    'bom-ref': imageRef,
    type: sbom.target.kind === 'filesystem' ? 'file' : 'container',
    name: target.name,
  }
  if (target.version) image.version = target.version
  if (target.purl) image.purl = target.purl
  image.properties = targetProperties(sbom.target)

  const issues = issueProperties(sbom.issues)
  const metadata = {
    timestamp: utcSeconds(sbom.createdAt),
    tools: { components: [{ type: 'application', name: sbom.tool.name, version: sbom.tool.version }] },
    component: image,
    ...(issues.length ? { properties: issues } : {}),
  }
  // The spec asks for components without dependencies to be listed with an empty `dependsOn`, so that "none" is
  // told apart from "unknown". Package-to-package edges are not resolved here yet.
  const dependencies: Dependency[] = [
    { ref: imageRef, dependsOn: components.map((c) => c['bom-ref']) },
    ...components.map((c) => ({ ref: c['bom-ref'], dependsOn: [] })),
  ]

  const body = { metadata, components, dependencies }
  const doc = {
    $schema: SCHEMA_URL,
    bomFormat: 'CycloneDX',
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber: `urn:uuid:${contentUuid('cyclonedx', JSON.stringify(body))}`,
    version: 1,
    ...body,
  }
  return `${JSON.stringify(doc, null, 2)}\n`
}

function osComponent(d: Distro): Component {
  const c: Component = {
    // syft's form; unique because package bom-refs are hex ids.
    'bom-ref': d.versionId ? `os:${d.id}@${d.versionId}` : `os:${d.id}`,
    type: 'operating-system',
    name: d.id,
  }
  if (d.versionId) c.version = d.versionId
  if (d.prettyName) c.description = d.prettyName
  c.properties = distroProperties(d)
  return c
}

function packageComponent(p: Package): Component {
  const c: Component = { 'bom-ref': p.id, type: 'library', name: p.name }
  const supplier = packageSupplier(p)
  if (supplier) {
    const { name, email } = parseContact(supplier)
    c.supplier = email ? { name, contact: [{ email }] } : { name }
  }
  if (p.version) c.version = p.version
  const licenses = licenseChoices(p.licenses ?? [])
  if (licenses) c.licenses = licenses
  c.purl = p.purl
  if (p.metadata.kind === 'apk' && p.metadata.url) c.externalReferences = [{ type: 'website', url: p.metadata.url }]
  c.properties = packageProperties(p)
  return c
}

/**
 * Maps declared license strings to CycloneDX. A string that is one SPDX list id becomes `license.id` (the schema
 * checks ids against that list); a valid compound SPDX expression becomes `expression`; anything else is kept
 * verbatim as `license.name`. The schema forbids mixing an expression with license objects, so (like syft) several
 * strings become one AND-ed expression only when all are valid SPDX; otherwise compound ones are kept as names.
 */
export function licenseChoices(declared: string[]): LicenseChoice[] | undefined {
  const classes = [...new Set(declared.map((s) => s.trim()).filter(Boolean))].map(classifyLicense)
  if (classes.length === 0) return undefined
  const allSpdx = classes.every((c) => c.kind !== 'other')
  if (allSpdx && classes.some((c) => c.kind === 'expression')) {
    const parts = [
      ...new Set(classes.map((c) => (c.kind === 'id' ? c.id : c.kind === 'expression' ? c.expression : ''))),
    ]
    return [{ expression: joinWithAnd(parts), acknowledgement: 'declared' }]
  }
  const out: LicenseChoice[] = []
  const seen = new Set<string>()
  for (const c of classes) {
    const choice: LicenseChoice =
      c.kind === 'id'
        ? { license: { id: c.id, acknowledgement: 'declared' } }
        : { license: { name: c.kind === 'expression' ? c.expression : c.text, acknowledgement: 'declared' } }
    const key = JSON.stringify(choice)
    if (seen.has(key)) continue
    seen.add(key)
    out.push(choice)
  }
  return out
}
