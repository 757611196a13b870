export {
  formatQuickviewJson,
  formatQuickviewMarkdown,
  formatQuickviewText,
  formatRecommendationsJson,
  formatRecommendationsMarkdown,
  formatRecommendationsText,
} from './base.js'
export { formatCompareJson, formatCompareMarkdown, formatCompareText } from './compare.js'
export { formatJson, formatOnlyPackages, formatPackages } from './cves-text.js'
export { formatGitlab } from './gitlab.js'
export { formatMarkdown } from './markdown.js'
export { formatSarif } from './sarif.js'
