export {
  cacheDir,
  type DbConfig,
  DEFAULT_FEEDS,
  dbPath,
  type FeedConfig,
  loadDbConfig,
  loadRegistryConfig,
  parseDuration,
  type RegistryConfig,
} from './config.js'
export {
  FEED_NAMES,
  type FeedFile,
  type FeedImporter,
  type FeedName,
  type FeedSource,
  type ImportSink,
} from './feeds/feed.js'
export { IMPORTERS } from './feeds/index.js'
export { type Fetched, fetchFeed } from './fetch.js'
export { namespaceForDistro, namespaceForEcosystem, normalizePackageName, schemeForNamespace } from './namespace.js'
export { concatSources, dirSource, fileSource, sourceFor, zipSource } from './sources.js'
export { type DbStatus, dbStatus, formatStatus } from './status.js'
export { type AffectedRow, type FeedRow, type StoredVulnerability, StoreReader } from './store/reader.js'
export { type FeedStats, StoreWriter } from './store/writer.js'
export { exportDb, importDb, type UpdateOptions, type UpdateProgress, type UpdateResult, updateDb } from './update.js'
