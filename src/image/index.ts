export { type Attestation, imageFromPurl, parseAttestation } from './attestation.js'
export { layerHistory, parseImageConfig } from './config.js'
export {
  EngineClient,
  type EngineContainer,
  type EngineImage,
  type EngineImageSummary,
  type EngineOptions,
  engineAvailable,
} from './engine/index.js'
export { compressionOf, MT } from './media-types.js'
export { type OpenOptions, openSource } from './open.js'
export { parseImageRef } from './ref.js'
export {
  blobCacheDf,
  blobCachePrune,
  parseRegistryReference,
  RegistryClient,
  type RegistryOptions,
  type RegistryReference,
} from './registry/index.js'
export type * from './types.js'
