export * from './base/index.js'
export * from './compare.js'
export { buildReport, severityCounts } from './report.js'
export type { ExpiredEntry, Policy, PolicyEntry, SuppressedFinding, Suppression, VexDocument } from './suppress.js'
export {
  applySuppressions,
  DEFAULT_POLICY_FILE,
  imagePurlsOf,
  loadPolicy,
  loadVex,
  parsePolicy,
  parseVex,
} from './suppress.js'
