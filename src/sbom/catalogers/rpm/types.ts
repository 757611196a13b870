/** One stored header blob and the number the database keys it by (`hnum`, the BDB key, the ndb pkgidx). */
export interface DbRecord {
  id: number
  blob: Uint8Array
}

/** What a database reader could get out of a file; `errors` describe damage met on the way (never thrown). */
export interface DbReadResult {
  records: DbRecord[]
  errors: string[]
  /** sqlite only: committed WAL frames applied on top of the database file. */
  walFrames?: number
}
