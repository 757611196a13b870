import { errorMessage, ShipshapeError } from '../../../internal/index.js'
import type { FeedImporter, FeedSource, ImportSink } from '../feed.js'
import { HEADER, importAdvisoryList } from './advisory-list.js'
import { importTrackerJson } from './tracker-json.js'

type Kind = 'json' | 'list'

/** By name: `…/json` or `*.json` is the tracker JSON; `…/DSA/list`, `list`, `DSA`, `DLA`, `DTSA` are lists. */
function kindByName(name: string): Kind | undefined {
  const base = name.split('/').pop() ?? name
  if (base === 'json' || base.toLowerCase().endsWith('.json')) return 'json'
  if (base === 'list' || base === 'DSA' || base === 'DLA' || base === 'DTSA') return 'list'
  return undefined
}

/** By content, for any other name: a JSON object, or a list whose first line is an entry header. */
function kindByContent(buf: Buffer): Kind | undefined {
  const head = buf
    .subarray(0, 4096)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
  if (/^\s*\{/.test(head)) return 'json'
  const first = head.split(/\r?\n/, 1)[0] ?? ''
  return HEADER.test(first.trimEnd()) ? 'list' : undefined
}

/** The tracker JSON as one tree (JSON.parse of the whole document; the text is dropped once parsed). */
function parseTrackerJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new ShipshapeError('FEED', `the Debian tracker JSON does not parse: ${errorMessage(e)}`, { where })
  }
}

/**
 * The Debian Security Tracker: its JSON (one record per CVE/TEMP id, one affected entry per release and
 * source package) and its DSA/DLA/DTSA lists (one record per advisory, aliased to its CVEs). A tracker JSON
 * that does not parse makes the feed unusable (it is the feed); a bad package, CVE, release or list entry is
 * skipped and counted.
 */
export const debianImporter: FeedImporter = {
  name: 'debian',
  version: 1,
  async import(source: FeedSource, sink: ImportSink): Promise<void> {
    let usable = 0
    let files = 0
    for await (const file of source.files()) {
      files++
      let buf: Buffer | undefined = await file.read()
      const kind = kindByName(file.name) ?? kindByContent(buf)
      switch (kind) {
        case 'json': {
          // Bytes → text → tree, each unreferenced once the next exists; the tree is then consumed package by
          // package (importTrackerJson), so about one copy of the feed is alive at a time.
          const take = (): string => {
            const text = (buf as Buffer).toString('utf8')
            buf = undefined
            return text
          }
          // An empty document (`{}`) is no tracker data: alone, it fails the feed rather than empty the DB.
          if (importTrackerJson(parseTrackerJson(take(), file.name), file.name, sink) > 0) usable++
          break
        }
        case 'list': {
          const text = buf.toString('utf8')
          buf = undefined
          if (importAdvisoryList(text, file.name, sink) > 0) usable++
          break
        }
        case undefined:
          sink.skip(file.name, 'neither the tracker JSON nor a DSA/DLA/DTSA list')
          break
        default: {
          const never: never = kind
          throw new Error(`unknown kind ${never}`)
        }
      }
    }
    if (usable === 0) {
      throw new ShipshapeError(
        'FEED',
        files === 0 ? 'the Debian feed has no files' : 'no usable Debian tracker JSON or DSA/DLA list in the feed',
        { where: source.where },
      )
    }
  },
}
