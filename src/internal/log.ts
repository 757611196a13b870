/** Progress and diagnostics go to stderr; the CLI decides whether anything is shown at all. */
export interface Progress {
  stage(name: string): void
  layer(index: number, done: number, total: number): void
  warn(message: string): void
  debug(message: string): void
}

export const silentProgress: Progress = {
  stage() {},
  layer() {},
  warn() {},
  debug() {},
}
