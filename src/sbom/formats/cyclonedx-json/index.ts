export { CYCLONEDX_SPEC_VERSION, encodeCycloneDx } from './encode.js'
