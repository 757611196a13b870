import type { Progress } from '../internal/index.js'

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MB`
}

/** Progress on stderr, on one rewritten line; only when stderr is a terminal and not `--quiet`. */
export function terminalProgress(
  stream: NodeJS.WriteStream,
  totals: () => { layers: number; bytes: number },
): Progress & { done(): void } {
  const done = new Map<number, number>()
  let stage = ''
  let last = 0
  const draw = (force = false) => {
    const now = Date.now()
    if (!force && now - last < 100) return
    last = now
    const t = totals()
    let text = stage
    if (stage === 'Reading layers' && t.layers > 0) {
      const bytes = [...done.values()].reduce((a, b) => a + b, 0)
      text = `${stage} (${t.layers})  ${mb(bytes)} / ${mb(t.bytes)}`
    }
    stream.write(`\r\u001b[2K${text}`)
  }
  return {
    stage(name) {
      stage = name
      draw(true)
    },
    layer(index, bytes) {
      done.set(index, bytes)
      draw()
    },
    warn(message) {
      stream.write(`\r\u001b[2Kwarning: ${message}\n`)
      draw(true)
    },
    debug() {},
    done() {
      stream.write('\r\u001b[2K')
    },
  }
}

export function plainProgress(stream: NodeJS.WriteStream, debug: boolean): Progress & { done(): void } {
  return {
    stage(name) {
      if (debug) stream.write(`debug: ${name}\n`)
    },
    layer() {},
    warn(message) {
      stream.write(`warning: ${message}\n`)
    },
    debug(message) {
      if (debug) stream.write(`debug: ${message}\n`)
    },
    done() {},
  }
}
