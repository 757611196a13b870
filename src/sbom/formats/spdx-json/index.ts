export { classifyLicense, type LicenseClass, parseExpression, spdxLicenseId } from '../common/index.js'
export { SPDX_LICENSE_LIST_VERSION } from '../common/license-list.js'
export { decodeSpdx, decodeSpdxDocument } from './decode.js'
export { DEFAULT_NAMESPACE_PREFIX, encodeSpdx, SPDX_VERSION, type SpdxOptions } from './encode.js'
