export { type ComposerMetadata, type ComposerReference, composerCataloger } from './composer.js'
