import type { SeverityCounts } from '../../model/index.js'
import type { StoreReader } from '../../vulndb/index.js'
import { buildReport, severityCounts } from '../report.js'
import type { BaseCatalogue, CatalogueImage } from './catalogue.js'

/**
 * Severity counts of catalogued images against the DB in use: their stored SBOMs are matched again when the DB is
 * newer than the counts remembered, so advice never compares against stale advisories.
 */
export function catalogueCounts(catalogue: BaseCatalogue, db: StoreReader): (image: CatalogueImage) => SeverityCounts {
  const builtAt = db.meta().built_at ?? ''
  return (image) =>
    catalogue.counts(image.digest, builtAt, () => {
      const sbom = catalogue.sbom(image.digest)
      return sbom
        ? severityCounts(buildReport(sbom, db).findings)
        : { critical: 0, high: 0, medium: 0, low: 0, unspecified: 0 }
    })
}
