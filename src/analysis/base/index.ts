export { type AdviceOptions, adviseBase, type BaseAdvice, type BaseOption, type RuntimeChange } from './advice.js'
export { BaseCatalogue, type CatalogueImage, type TagRow } from './catalogue.js'
export { catalogueCounts } from './counts.js'
export {
  BASE_DIGEST_LABEL,
  BASE_NAME_LABEL,
  type BaseFoundBy,
  type DetectedBase,
  detectBase,
  fromBase,
  longestPrefixBase,
  markBase,
  splitImageName,
} from './detect.js'
export { flavourOf, runtimeChange, runtimesOf } from './flavour.js'
export {
  type BaseSummary,
  baseName,
  buildQuickview,
  buildRecommendations,
  describeFoundBy,
  type Quickview,
  type QuickviewRow,
  type Recommendations,
} from './view.js'
