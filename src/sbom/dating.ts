/**
 * Dates the entries of a package database that is rewritten by every layer that installs something
 * (dpkg status, apk installed, rpmdb): for each key of the final snapshot, the layer since which it has been
 * present without interruption, and the layer that last changed it.
 */
export interface Snapshot<K> {
  layerIndex: number
  /** key → fingerprint (e.g. version); undefined when the layer deleted the database. */
  entries: Map<K, string> | undefined
}

export interface Dating {
  introduced: number
  lastChanged: number
}

export function datePackages<K>(snapshots: readonly Snapshot<K>[]): Map<K, Dating> {
  const state = new Map<K, { since: number; changed: number; fp: string }>()
  for (const snap of snapshots) {
    const entries = snap.entries ?? new Map<K, string>()
    for (const key of [...state.keys()]) if (!entries.has(key)) state.delete(key)
    for (const [key, fp] of entries) {
      const cur = state.get(key)
      if (!cur) state.set(key, { since: snap.layerIndex, changed: snap.layerIndex, fp })
      else if (cur.fp !== fp) state.set(key, { since: cur.since, changed: snap.layerIndex, fp })
    }
  }
  const out = new Map<K, Dating>()
  for (const [k, v] of state) out.set(k, { introduced: v.since, lastChanged: v.changed })
  return out
}
