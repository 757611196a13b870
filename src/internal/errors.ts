/**
 * Every failure the CLI and server report has a code; each code has its own exit status, so scripts can tell
 * a missing file from a corrupt layer without parsing messages. Exit status 2 is left to policy results
 * (`--exit-code`, `compare -x`), as docker scout does.
 */
export const ERROR_CODES = {
  INTERNAL: 1,
  USAGE: 3,
  NOT_FOUND: 4,
  NOT_AN_IMAGE: 5,
  CORRUPT_ARCHIVE: 6,
  CORRUPT_LAYER: 7,
  DIGEST_MISMATCH: 8,
  PATH_TRAVERSAL: 9,
  ABSOLUTE_PATH: 10,
  SYMLINK_LOOP: 11,
  SYMLINK_ESCAPE: 12,
  DECOMPRESSION_BOMB: 13,
  PLATFORM: 14,
  UNSUPPORTED: 15,
  OUTPUT: 16,
  DB_MISSING: 17,
  DB_INVALID: 18,
  FEED: 19,
  CHECKSUM: 20,
  BUSY: 21,
  /** A registry refused the credentials (or gave none where they are needed). */
  AUTH: 22,
  /** A registry or engine could not be reached, or kept failing after retries. */
  NETWORK: 23,
  /** The container engine answered with an error. */
  ENGINE: 24,
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export class ShipshapeError extends Error {
  readonly code: ErrorCode
  /** What the error is about: a file, a blob, a layer and path. */
  readonly where: string | undefined

  constructor(code: ErrorCode, message: string, opts: { where?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'ShipshapeError'
    this.code = code
    this.where = opts.where
  }

  get exitCode(): number {
    return ERROR_CODES[this.code]
  }

  /** The one line a user sees. */
  oneLine(): string {
    return this.where ? `${this.message} (${this.where})` : this.message
  }
}

export function isShipshapeError(e: unknown): e is ShipshapeError {
  return e instanceof ShipshapeError
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message
  return String(e)
}
