export { formatJson, formatOnlyPackages, formatPackages, formatQuickview } from './cves-text.js'
export { formatGitlab } from './gitlab.js'
export { formatMarkdown } from './markdown.js'
export { formatSarif } from './sarif.js'
