export {
  EngineClient,
  type EngineContainer,
  type EngineImage,
  type EngineImageSummary,
  type EngineOptions,
  type EngineVersion,
  negotiateApiVersion,
  PREFERRED_API_VERSION,
} from './client.js'
export { DEFAULT_DOCKER_HOST, type EngineEndpoint, parseDockerHost } from './host.js'
export { familiarRepo, matchRepoTag, qualifyRepo } from './names.js'
export { engineAvailable, readEngineImage } from './read.js'
export { DEFAULT_SPOOL_MAX_BYTES } from './spool.js'
