import { existsSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { ShipshapeError } from '../internal/index.js'
import { dbPath } from './config.js'
import { sweepStale } from './files.js'
import { type FeedRow, StoreReader } from './store/reader.js'

export interface DbStatus {
  path: string
  bytes: number
  builtAt: string
  ageHours: number
  maxAgeHours: number
  stale: boolean
  toolVersion?: string
  counts: { vulnerabilities: number; affected: number; kev: number; epss: number }
  feeds: FeedRow[]
  namespaces: { namespace: string; count: number }[]
}

export function dbStatus(cacheDir: string, maxAgeHours: number, now = new Date()): DbStatus {
  const path = dbPath(cacheDir)
  // A killed update leaves its temp file; whoever looks next cleans it up.
  sweepStale(dirname(path))
  if (!existsSync(path))
    throw new ShipshapeError('DB_MISSING', 'no vulnerability DB yet; run `shipshape db update` (or `db import FILE`)', {
      where: path,
    })
  const r = new StoreReader(path)
  try {
    const meta = r.meta()
    const builtAt = meta.built_at ?? new Date(0).toISOString()
    const ageHours = (now.getTime() - Date.parse(builtAt)) / 3_600_000
    const s: DbStatus = {
      path,
      bytes: statSync(path).size,
      builtAt,
      ageHours,
      maxAgeHours,
      stale: ageHours > maxAgeHours,
      counts: r.counts(),
      feeds: r.feeds(),
      namespaces: r.perNamespace(),
    }
    if (meta.tool_version) s.toolVersion = meta.tool_version
    return s
  } finally {
    r.close()
  }
}

function human(hours: number): string {
  if (hours < 1) return `${Math.round(hours * 60)} min`
  if (hours < 48) return `${Math.round(hours)} h`
  return `${Math.round(hours / 24)} days`
}

export function formatStatus(s: DbStatus): string {
  const lines = [
    `Vulnerability DB: ${s.path} (${(s.bytes / 1048576).toFixed(1)} MB)`,
    `Built: ${s.builtAt} (${human(s.ageHours)} ago)${s.stale ? `  WARNING: older than the ${human(s.maxAgeHours)} maximum; run \`shipshape db update\`` : ''}`,
    `Records: ${s.counts.vulnerabilities} vulnerabilities, ${s.counts.affected} affected packages, ${s.counts.kev} KEV, ${s.counts.epss} EPSS`,
    '',
    'Feeds:',
  ]
  for (const f of s.feeds) {
    lines.push(
      `  ${f.name.padEnd(8)} ${String(f.records).padStart(8)} records  ${String(f.skipped).padStart(5)} skipped  ${f.feedVersion ? `version ${f.feedVersion}  ` : ''}${f.url ?? ''}`,
    )
  }
  lines.push('', 'Namespaces:')
  for (const n of s.namespaces) lines.push(`  ${n.namespace.padEnd(16)} ${n.count}`)
  return `${lines.join('\n')}\n`
}
