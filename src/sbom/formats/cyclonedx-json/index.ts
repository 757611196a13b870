export { type DecodeOptions, decodeCycloneDx, decodeCycloneDxDocument } from './decode.js'
export { CYCLONEDX_SPEC_VERSION, encodeCycloneDx } from './encode.js'
