export { formatJson, formatOnlyPackages, formatPackages, formatQuickview } from './cves-text.js'
