export { buildReport, labelledBaseImage, severityCounts } from './report.js'
