import { createHash } from 'node:crypto'
import type { PackageId } from '../model/index.js'

/** Deterministic: the same package at the same place gets the same id in every scan. */
export function packageId(...parts: (string | number | undefined)[]): PackageId {
  const h = createHash('sha256')
  for (const p of parts) h.update(`${p ?? ''}\u0000`)
  return h.digest('hex').slice(0, 16) as PackageId
}
