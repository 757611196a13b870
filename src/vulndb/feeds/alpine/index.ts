import { errorMessage, ShipshapeError } from '../../../internal/index.js'
import type { FeedImporter, FeedSource, ImportSink } from '../feed.js'
import { importSecdb, parseSecdb, SecdbRecords, secdbFormatByName, sniffSecdbFormat } from './secdb.js'

/**
 * Alpine secdb (JSON and the older YAML), any number of files (`v3.NN/main.json`, `community.json`, `edge/…`):
 * one record per advisory id across all of them, one affected entry per (release, origin package, fixed
 * version). A file that does not parse or is not secdb is skipped and counted; the feed fails only when no
 * file is usable. The secdb states no version of its own.
 */
export const alpineImporter: FeedImporter = {
  name: 'alpine',
  version: 1,
  async import(source: FeedSource, sink: ImportSink): Promise<void> {
    const out = new SecdbRecords()
    let files = 0
    let usable = 0
    for await (const file of source.files()) {
      const byName = secdbFormatByName(file.name)
      if (byName === undefined) continue
      files++
      const buf = await file.read()
      const format = byName === 'sniff' ? sniffSecdbFormat(buf) : byName
      let doc: unknown
      try {
        doc = parseSecdb(buf.toString('utf8'), format)
      } catch (e) {
        sink.skip(file.name, `malformed ${format === 'json' ? 'JSON' : 'YAML'}: ${errorMessage(e).split('\n')[0]}`)
        continue
      }
      if (importSecdb(doc, file.name, out, sink)) usable++
    }
    if (usable === 0) {
      throw new ShipshapeError(
        'FEED',
        files === 0 ? 'the Alpine feed has no secdb file' : 'no usable Alpine secdb file in the feed',
        { where: source.where },
      )
    }
    for (const r of out.records()) sink.vulnerability(r)
  },
}
