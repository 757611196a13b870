export { type GemMetadata, gemCataloger } from './gem.js'
export { type Gemspec, type GemspecResult, parseGemspec } from './gemspec.js'
export { type LockedGem, parseGemfileLock } from './lockfile.js'
