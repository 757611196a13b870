export { isBerkeleyDb, readBerkeleyDb } from './bdb.js'
export { parseSourceRpm, rpmCataloger } from './cataloger.js'
export {
  type IndexEntry,
  type ParseOptions,
  parseRpmHeader,
  RpmHeader,
  RpmHeaderError,
  type RpmPackageInfo,
  RpmTag,
  RpmType,
  type TagValue,
} from './header.js'
export { adler32 as ndbAdler32, isNdb, readNdb } from './ndb.js'
export {
  detectRpmdbFormat,
  type ReadOptions,
  type RpmdbContents,
  type RpmdbFormat,
  type RpmdbPackage,
  readRpmdb,
  readRpmdbRecords,
} from './rpmdb.js'
export { isSqlite, readSqliteRpmdb } from './sqlite.js'
export type { DbReadResult, DbRecord } from './types.js'
export { applyWal, type WalResult } from './wal.js'
