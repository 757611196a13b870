import { alpineImporter } from './alpine/index.js'
import { cve5Importer } from './cve5/index.js'
import { debianImporter } from './debian/index.js'
import { epssImporter } from './epss/index.js'
import type { FeedImporter, FeedName } from './feed.js'
import { kevImporter } from './kev/index.js'
import { nvdImporter } from './nvd/index.js'
import { osvImporter } from './osv/index.js'
import { rubysecImporter } from './rubysec/index.js'

/** Every feed importer, one line each. */
// biome-ignore format: one registration line per feed
export const IMPORTERS: Readonly<Record<FeedName, FeedImporter>> = {
  osv: osvImporter,
  debian: debianImporter,
  alpine: alpineImporter,
  nvd: nvdImporter,
  cve5: cve5Importer,
  kev: kevImporter,
  epss: epssImporter,
  rubysec: rubysecImporter,
}
