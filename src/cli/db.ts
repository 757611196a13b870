import { ShipshapeError } from '../internal/index.js'
import {
  cacheDir,
  dbStatus,
  exportDb,
  FEED_NAMES,
  type FeedName,
  formatStatus,
  IMPORTERS,
  importDb,
  loadDbConfig,
  updateDb,
} from '../vulndb/index.js'
import type { Io } from './main.js'

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MB`
}

function config(opts: Record<string, unknown>) {
  return loadDbConfig({
    ...(typeof opts.config === 'string' ? { configFile: opts.config } : {}),
    ...(Array.isArray(opts.feed) ? { feedFlags: opts.feed as string[] } : {}),
  })
}

export async function runDbUpdate(opts: Record<string, unknown>, io: Io): Promise<number> {
  const only = (opts.only as string[] | undefined)?.map((n) => {
    if (!(FEED_NAMES as readonly string[]).includes(n))
      throw new ShipshapeError('USAGE', `unknown feed ${JSON.stringify(n)}; feeds: ${FEED_NAMES.join(', ')}`)
    return n as FeedName
  })
  const interactive = opts.quiet !== true && io.stderr.isTTY === true
  let last = 0
  const result = await updateDb({
    cacheDir: cacheDir(opts.cacheDir as string | undefined),
    config: config(opts),
    importers: IMPORTERS,
    ...(only ? { only } : {}),
    ...(interactive
      ? {
          progress: {
            feed(name, phase, done, total) {
              const now = Date.now()
              if (now - last < 100) return
              last = now
              const text =
                phase === 'download'
                  ? `Downloading ${name}  ${mb(done)}${total ? ` / ${mb(total)}` : ''}`
                  : `Importing ${name}  ${done} records`
              io.stderr.write(`\r\u001b[2K${text}`)
            },
          },
        }
      : {}),
  })
  if (interactive) io.stderr.write('\r\u001b[2K')
  if (opts.quiet !== true) {
    for (const f of result.feeds) {
      io.stdout.write(
        `${f.name.padEnd(8)} ${String(f.records).padStart(8)} records, ${f.skipped} skipped${f.notModified ? ' (not modified)' : ''}\n`,
      )
    }
    io.stdout.write(`vulnerability DB updated: ${result.path}\n`)
  }
  return 0
}

export async function runDbStatus(opts: Record<string, unknown>, io: Io): Promise<number> {
  const format = (opts.format as string | undefined) ?? 'text'
  if (format !== 'text' && format !== 'json')
    throw new ShipshapeError('USAGE', `--format must be text or json, not ${JSON.stringify(format)}`)
  const s = dbStatus(cacheDir(opts.cacheDir as string | undefined), config(opts).maxAgeHours)
  io.stdout.write(format === 'json' ? `${JSON.stringify(s, null, 2)}\n` : formatStatus(s))
  if (s.stale && format === 'text' && opts.quiet !== true) {
    io.stderr.write(
      `warning: the vulnerability DB is ${Math.round(s.ageHours)} h old (maximum ${Math.round(s.maxAgeHours)} h)\n`,
    )
  }
  return 0
}

export async function runDbImport(input: string, opts: Record<string, unknown>, io: Io): Promise<number> {
  const r = importDb(cacheDir(opts.cacheDir as string | undefined), input)
  if (opts.quiet !== true) io.stdout.write(`imported ${input} (sha256 ${r.sha256}) into ${r.path}\n`)
  return 0
}

export async function runDbExport(file: string, opts: Record<string, unknown>, io: Io): Promise<number> {
  const r = exportDb(cacheDir(opts.cacheDir as string | undefined), file)
  if (opts.quiet !== true) io.stdout.write(`exported to ${r.path} and ${r.path}.sha256 (${r.sha256})\n`)
  return 0
}
