export { cvssRank, cvssScore, levelForScore } from './cvss.js'
export { compareFindings, MATCHER_VERSION, type MatchResult, matchSbom, queryFor } from './matcher.js'
export { chooseSeverity, levelForWord, type SeverityChoice } from './severity.js'
