export { type Attestation, imageFromPurl, parseAttestation, provenanceSource } from './attestation.js'
export { layerHistory, parseImageConfig } from './config.js'
export type {
  EngineClient,
  EngineContainer,
  EngineImage,
  EngineImageSummary,
  EngineOptions,
} from './engine/index.js'
export { compressionOf, MT } from './media-types.js'
export { type OpenOptions, openSource } from './open.js'
export { parseImageRef } from './ref.js'
export type { RegistryClient, RegistryOptions, RegistryReference } from './registry/index.js'
export type * from './types.js'

/**
 * The registry client and the engine client load undici, which costs more start-up time than the rest of a scan's
 * modules together; commands that read files never pay for it.
 */
export function loadRegistry(): Promise<typeof import('./registry/index.js')> {
  return import('./registry/index.js')
}

export function loadEngine(): Promise<typeof import('./engine/index.js')> {
  return import('./engine/index.js')
}
