import { z } from 'zod'
import type { Sbom } from '../../../model/index.js'

/** The marker that tells our SBOM apart from CycloneDX/SPDX documents when read back (`sbom://`). */
export const NATIVE_FORMAT = 'shipshape-sbom'

/**
 * The native SBOM is the stored snapshot the server re-matches without the image, so it is complete (distro,
 * source packages, purls, owned files, layers) and its layout is versioned by `schemaVersion`.
 */
export function encodeNativeJson(sbom: Sbom): string {
  return `${JSON.stringify({ format: NATIVE_FORMAT, ...sbom }, null, 2)}\n`
}

const location = z.object({ path: z.string(), layer: z.string().optional(), layerIndex: z.number().int() })
const pkg = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.string(),
    kind: z.string(),
    purl: z.string(),
    introducedIn: location,
    lastChangedIn: location,
    locations: z.array(location),
    foundBy: z.string(),
    metadata: z.object({ kind: z.string() }).loose(),
  })
  .loose()
const doc = z
  .object({
    format: z.literal(NATIVE_FORMAT),
    schemaVersion: z.literal(1),
    target: z
      .object({ kind: z.enum(['image', 'filesystem', 'sbom']), ref: z.string(), layers: z.array(z.object({}).loose()) })
      .loose(),
    packages: z.array(pkg),
    issues: z.array(z.object({}).loose()),
    tool: z.object({ name: z.string(), version: z.string() }).loose(),
    createdAt: z.string(),
  })
  .loose()

export type DecodeResult = { ok: true; sbom: Sbom } | { ok: false; error: string }

export function decodeNativeJson(text: string): DecodeResult {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` }
  }
  const r = doc.safeParse(raw)
  if (!r.success) {
    const first = r.error.issues[0]
    return {
      ok: false,
      error: `not a shipshape SBOM: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`,
    }
  }
  const { format: _format, ...rest } = r.data
  return { ok: true, sbom: rest as unknown as Sbom }
}
