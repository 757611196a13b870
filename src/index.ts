/** shipshape as a library: read an image, list its packages, write SBOMs. */
export { buildFileTree, type FileResolver } from './filetree/index.js'
export { type Image, type OpenOptions, openSource, parseImageRef, type Source } from './image/index.js'
export { ERROR_CODES, type ErrorCode, ShipshapeError } from './internal/index.js'
export * from './model/index.js'
export {
  CATALOGERS,
  type Cataloger,
  decodeNativeJson,
  detectDistro,
  encodeList,
  encodeNativeJson,
  generateSbom,
} from './sbom/index.js'
export {
  checkRange,
  compareVersions,
  convertOsvAffected,
  InvalidVersionError,
  parseRange,
  SCHEMES,
  type SchemeName,
  satisfies,
  schemeForEcosystem,
  type VersionScheme,
} from './version/index.js'
