/**
 * Cargo.lock: the TOML subset Cargo writes — `key = value` lines under `[table]` and `[[array-of-tables]]`
 * headers, values being strings (basic and literal), integers, booleans and arrays of those (across lines).
 * Every version: v1/v2 keep checksums in `[metadata]` as `"checksum NAME VERSION (SOURCE)" = "HASH"`; v3/v4 put
 * `checksum` in each `[[package]]`.
 */

export interface CargoLockPackage {
  name: string
  version: string
  /** `registry+https://github.com/rust-lang/crates.io-index`, `git+URL#COMMIT`, … ; absent for path packages. */
  source?: string
  checksum?: string
  /** As written: `name`, `name version` or `name version (source)`. */
  dependencies: string[]
  /** 1-based line of the `[[package]]` header. */
  line: number
}

export interface CargoLock {
  version?: number
  packages: CargoLockPackage[]
}

type Value = string | number | boolean | Value[]

class LockSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message)
  }
}

const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' }

/** A cursor over the whole text, tracking lines. */
class Reader {
  pos = 0
  line = 1
  constructor(readonly text: string) {}

  peek(): string | undefined {
    return this.text[this.pos]
  }

  fail(message: string): never {
    throw new LockSyntaxError(this.line, message)
  }

  /** Skips spaces and tabs (and, inside arrays, newlines and comments). */
  skip(newlines: boolean): void {
    for (;;) {
      const c = this.peek()
      if (c === ' ' || c === '\t' || c === '\r') this.pos++
      else if (newlines && c === '\n') {
        this.pos++
        this.line++
      } else if (newlines && c === '#') {
        while (this.peek() !== undefined && this.peek() !== '\n') this.pos++
      } else return
    }
  }

  string(): string {
    const q = this.peek()
    this.pos++
    let out = ''
    for (;;) {
      const c = this.peek()
      if (c === undefined || c === '\n') this.fail('unterminated string')
      this.pos++
      if (c === q) return out
      if (q === '"' && c === '\\') {
        const e = this.peek()
        this.pos++
        if (e === 'u' || e === 'U') {
          const n = e === 'u' ? 4 : 8
          const hex = this.text.slice(this.pos, this.pos + n)
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) this.fail('bad unicode escape')
          out += String.fromCodePoint(Number.parseInt(hex, 16))
          this.pos += n
        } else if (e !== undefined && ESCAPES[e] !== undefined) out += ESCAPES[e]
        else this.fail(`bad escape \\${e ?? ''}`)
      } else out += c
    }
  }

  value(): Value {
    const c = this.peek()
    if (c === '"' || c === "'") return this.string()
    if (c === '[') {
      this.pos++
      const items: Value[] = []
      for (;;) {
        this.skip(true)
        if (this.peek() === ']') {
          this.pos++
          return items
        }
        items.push(this.value())
        this.skip(true)
        const sep = this.peek()
        if (sep === ',') this.pos++
        else if (sep !== ']') this.fail('expected , or ] in array')
      }
    }
    const m = /^(true|false|[+-]?[0-9][0-9_]*)(?=[\s#,\]]|$)/.exec(this.text.slice(this.pos, this.pos + 40))
    if (!m?.[1]) this.fail('unsupported value')
    this.pos += m[1].length
    if (m[1] === 'true' || m[1] === 'false') return m[1] === 'true'
    return Number(m[1].replace(/_/g, ''))
  }

  key(): string {
    const c = this.peek()
    if (c === '"' || c === "'") return this.string()
    const m = /^[A-Za-z0-9_-]+/.exec(this.text.slice(this.pos, this.pos + 200))
    if (!m) this.fail('expected a key')
    this.pos += m[0].length
    return m[0]
  }

  /** After a value: only a comment may follow on the line. */
  endLine(): void {
    this.skip(false)
    const c = this.peek()
    if (c === '#') while (this.peek() !== undefined && this.peek() !== '\n') this.pos++
    else if (c !== '\n' && c !== undefined) this.fail('unexpected text after value')
  }

  /** Moves to the start of the next line. */
  nextLine(): void {
    while (this.peek() !== undefined && this.peek() !== '\n') this.pos++
    if (this.peek() === '\n') {
      this.pos++
      this.line++
    }
  }
}

const METADATA_CHECKSUM = /^checksum (\S+) (\S+) \((.+)\)$/

/**
 * Parses a Cargo.lock. A bad line is reported and its `[[package]]` dropped; the rest is read. Packages lacking
 * a name or version are reported too.
 */
export function parseCargoLock(text: string): { lock: CargoLock; errors: { line: number; message: string }[] } {
  const r: Reader = new Reader(text)
  const errors: { line: number; message: string }[] = []
  const lock: CargoLock = { packages: [] }
  const checksums = new Map<string, string>()
  let table: 'root' | 'package' | 'metadata' | 'other' = 'root'
  let cur: { fields: Map<string, Value>; line: number; bad: boolean } | undefined
  const raw: { fields: Map<string, Value>; line: number; bad: boolean }[] = []
  while (r.peek() !== undefined) {
    const lineNo = r.line
    try {
      r.skip(false)
      const c = r.peek()
      if (c === undefined) break
      if (c === '\n' || c === '#') {
        r.nextLine()
        continue
      }
      if (c === '[') {
        const m = /^\[(\[)?\s*([^\]]+?)\s*\](\])?/.exec(text.slice(r.pos, r.pos + 300))
        if (!m?.[2] || Boolean(m[1]) !== Boolean(m[3])) r.fail('bad table header')
        r.pos += m[0].length
        r.endLine()
        r.nextLine()
        const name = m[2]
        if (m[1] && name === 'package') {
          cur = { fields: new Map(), line: lineNo, bad: false }
          raw.push(cur)
          table = 'package'
        } else {
          cur = undefined
          table = !m[1] && name === 'metadata' ? 'metadata' : 'other'
        }
        continue
      }
      const key = r.key()
      r.skip(false)
      if (r.peek() !== '=') r.fail(`expected = after ${key}`)
      r.pos++
      r.skip(false)
      const value = r.value()
      r.endLine()
      r.nextLine()
      if (table === 'package' && cur) cur.fields.set(key, value)
      else if (table === 'metadata' && typeof value === 'string') {
        const m = METADATA_CHECKSUM.exec(key)
        if (m) checksums.set(`${m[1]} ${m[2]} ${m[3]}`, value)
      } else if (table === 'root' && key === 'version' && typeof value === 'number') lock.version = value
    } catch (e) {
      if (!(e instanceof LockSyntaxError)) throw e
      errors.push({ line: e.line, message: e.message })
      if (table === 'package' && cur) cur.bad = true
      // Resume on the next line that starts a key or a table; the broken value's lines are skipped.
      r.nextLine()
      while (r.peek() !== undefined && !/[A-Za-z"'[#\n]/.test(r.peek() as string)) r.nextLine()
    }
  }
  for (const p of raw) {
    if (p.bad) continue
    const str = (k: string) => {
      const v = p.fields.get(k)
      return typeof v === 'string' ? v : undefined
    }
    const name = str('name')
    const version = str('version')
    if (!name || !version) {
      errors.push({ line: p.line, message: `[[package]] without ${name ? 'version' : 'name'}` })
      continue
    }
    const deps = p.fields.get('dependencies')
    const pkg: CargoLockPackage = {
      name,
      version,
      dependencies: Array.isArray(deps) ? deps.filter((d): d is string => typeof d === 'string') : [],
      line: p.line,
    }
    const source = str('source')
    if (source) pkg.source = source
    const checksum = str('checksum') ?? (source ? checksums.get(`${name} ${version} ${source}`) : undefined)
    if (checksum) pkg.checksum = checksum
    lock.packages.push(pkg)
  }
  return { lock, errors }
}
