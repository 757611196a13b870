import { ShipshapeError } from '../internal/index.js'
import { type Digest, parseDigest } from '../model/index.js'
import type { HistoryEntry, ImageConfig } from './types.js'

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

function strRecord(v: unknown): Record<string, string> {
  const o = obj(v)
  const out: Record<string, string> = {}
  if (o) for (const [k, x] of Object.entries(o)) if (typeof x === 'string') out[k] = x
  return out
}

export function parseJson(buf: Buffer, what: string, where: string): Record<string, unknown> {
  let v: unknown
  try {
    v = JSON.parse(buf.toString('utf8'))
  } catch (e) {
    throw new ShipshapeError('NOT_AN_IMAGE', `${what} is not valid JSON: ${(e as Error).message}`, { where })
  }
  const o = obj(v)
  if (!o && !Array.isArray(v)) throw new ShipshapeError('NOT_AN_IMAGE', `${what} is not a JSON object`, { where })
  return (o ?? { items: v }) as Record<string, unknown>
}

export function parseImageConfig(buf: Buffer, where: string): ImageConfig {
  const raw = parseJson(buf, 'image config', where)
  const rootfs = obj(raw.rootfs)
  const ids = Array.isArray(rootfs?.diff_ids) ? rootfs.diff_ids : undefined
  if (!ids) throw new ShipshapeError('NOT_AN_IMAGE', 'image config has no rootfs.diff_ids', { where })
  const diffIds: Digest[] = ids.map((d, i) => {
    const p = parseDigest(d)
    if (!p)
      throw new ShipshapeError('NOT_AN_IMAGE', `image config diff_ids[${i}] is not a digest: ${String(d)}`, { where })
    return p
  })
  const cfg = obj(raw.config) ?? {}
  const history: HistoryEntry[] = (Array.isArray(raw.history) ? raw.history : []).map((h) => {
    const o = obj(h) ?? {}
    return {
      created: typeof o.created === 'string' ? o.created : undefined,
      createdBy: typeof o.created_by === 'string' ? o.created_by : undefined,
      emptyLayer: o.empty_layer === true,
      comment: typeof o.comment === 'string' ? o.comment : undefined,
    }
  })
  return {
    created: typeof raw.created === 'string' ? raw.created : undefined,
    os: typeof raw.os === 'string' ? raw.os : 'unknown',
    architecture: typeof raw.architecture === 'string' ? raw.architecture : 'unknown',
    variant: typeof raw.variant === 'string' ? raw.variant : undefined,
    labels: strRecord(cfg.Labels),
    env: Array.isArray(cfg.Env) ? cfg.Env.filter((e): e is string => typeof e === 'string') : [],
    history,
    diffIds,
    raw,
  }
}

/** `created_by` of each non-empty layer, in layer order. */
export function layerHistory(config: ImageConfig): (string | undefined)[] {
  return config.history.filter((h) => !h.emptyLayer).map((h) => h.createdBy)
}
