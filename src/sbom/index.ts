export {
  type ResolvedSbom,
  readImageAttestations,
  resolveSbom,
  type SbomSource,
  sbomFromAttestation,
} from './attested.js'
export type { CatalogContext, Cataloger, CatalogResult } from './cataloger.js'
export { CATALOGERS } from './catalogers/index.js'
export { detectDistro, parseOsRelease } from './distro.js'
export { decodeSbom, detectSbomFormat, type SbomFormat } from './formats/decode.js'
export { encodeList } from './formats/list/index.js'
export { decodeNativeJson, encodeNativeJson, NATIVE_FORMAT } from './formats/native-json/index.js'
export { type GenerateOptions, generateSbom } from './generate.js'
export { distroQualifier, makePurl } from './purl.js'
