/**
 * A reader of `.gemspec` files that never runs them. Installed specifications are written by RubyGems'
 * `Gem::Specification#to_ruby` (and Debian's gem2deb) in a regular form: `s.name = "rack".freeze`,
 * `s.version = "2.2.4"`, arrays of frozen strings, `%q<name>` in dependency calls, and a `# stub:` comment that
 * RubyGems itself reads without evaluating the file. Those literal forms are understood here; anything computed
 * (`Foo::VERSION`, `File.read(...)`, string interpolation) is reported as unreadable rather than guessed.
 */

export interface Gemspec {
  name: string
  version: string
  /** `ruby` unless the spec says otherwise. */
  platform: string
  licenses: string[]
  authors?: string[]
  homepage?: string
  summary?: string
  /** Runtime dependencies as `name (requirement, ...)`. */
  requires?: string[]
}

type Value = string | Value[] | undefined

/** A cursor over Ruby source that reads the literal subset gemspecs use. */
class Lexer {
  constructor(
    readonly s: string,
    public i = 0,
  ) {}

  ws(newlines = false): void {
    const re = newlines ? /[ \t\r\n]/ : /[ \t]/
    while (this.i < this.s.length && re.test(this.s[this.i] as string)) this.i++
  }

  eat(lit: string): boolean {
    if (this.s.startsWith(lit, this.i)) {
      this.i += lit.length
      return true
    }
    return false
  }

  /** A literal value, or undefined (and the cursor where it stopped) when it is not one. */
  value(): Value {
    this.ws()
    let v: Value
    const c = this.s[this.i]
    if (c === '"') v = this.dquote()
    else if (c === "'") v = this.squote()
    else if (c === '[') v = this.array()
    else if (c === '%') v = this.percent()
    else if (this.eat('Gem::Version.new(') || this.eat('Gem::Platform.new(')) {
      v = this.value()
      this.ws()
      if (!this.eat(')')) return undefined
    } else if (this.eat('Gem::Platform::RUBY')) v = 'ruby'
    else if (this.eat('nil')) v = undefined
    else return undefined
    let more = true
    while (more) more = this.eat('.freeze') || this.eat('.dup') || this.eat('.to_s')
    return v
  }

  private dquote(): string | undefined {
    this.i++
    let out = ''
    let dynamic = false
    while (this.i < this.s.length) {
      const c = this.s[this.i++] as string
      if (c === '"') return dynamic ? undefined : out
      if (c === '#' && this.s[this.i] === '{') {
        dynamic = true
        continue
      }
      if (c !== '\\') {
        out += c
        continue
      }
      const e = this.s[this.i++] as string
      if (e === 'n') out += '\n'
      else if (e === 't') out += '\t'
      else if (e === 'r') out += '\r'
      else if (e === 'e') out += '\x1b'
      else if (e === 's') out += ' '
      else if (e === 'u') {
        const m = /^\{([0-9a-fA-F ]+)\}|^([0-9a-fA-F]{4})/.exec(this.s.slice(this.i))
        if (!m) return undefined
        const cps = (m[1] ?? m[2] ?? '').trim().split(/\s+/)
        out += String.fromCodePoint(...cps.map((h) => Number.parseInt(h, 16)))
        this.i += m[0].length
      } else out += e
    }
    return undefined
  }

  private squote(): string | undefined {
    this.i++
    let out = ''
    while (this.i < this.s.length) {
      const c = this.s[this.i++] as string
      if (c === "'") return out
      if (c === '\\' && (this.s[this.i] === "'" || this.s[this.i] === '\\')) out += this.s[this.i++]
      else out += c
    }
    return undefined
  }

  private percent(): Value {
    const m = /^%([qQwW]?)([^\sa-zA-Z0-9])/.exec(this.s.slice(this.i, this.i + 3))
    if (!m) return undefined
    const kind = m[1] as string
    const open = m[2] as string
    const close = { '<': '>', '(': ')', '[': ']', '{': '}' }[open] ?? open
    this.i += m[0].length
    let depth = 1
    let out = ''
    while (this.i < this.s.length) {
      const c = this.s[this.i++] as string
      if (c === open && open !== close) depth++
      else if (c === close && --depth === 0) {
        if (kind === 'w' || kind === 'W') return out.split(/\s+/).filter(Boolean)
        return kind === 'Q' || kind === '' ? (out.includes('#{') ? undefined : out) : out
      }
      out += c
    }
    return undefined
  }

  private array(): Value[] | undefined {
    this.i++
    const out: Value[] = []
    for (;;) {
      this.ws(true)
      if (this.eat(']')) return out
      const v = this.value()
      if (v === undefined) return undefined
      out.push(v)
      this.ws(true)
      if (this.eat(',')) continue
      if (this.eat(']')) return out
      return undefined
    }
  }
}

const strings = (v: Value): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : typeof v === 'string' ? [v] : undefined

export type GemspecResult = { spec: Gemspec } | { error: string }

/** Reads a gemspec's literal assignments; `error` says why it could not (no spec block, name or version not literal). */
export function parseGemspec(text: string): GemspecResult {
  const block = /Gem::Specification\.new\s*(?:do|\{)\s*\|\s*(\w+)\s*\|/.exec(text)
  const stub = /^# stub: (\S+) (\S+) (\S+)/m.exec(text)
  if (!block && !stub) return { error: 'no Gem::Specification block' }
  const v = block?.[1] ?? 's'
  const fields = new Map<string, Value>()
  const unreadable = new Set<string>()
  const assign = new RegExp(`^[ \\t]*${v}\\.(\\w+)[ \\t]*=[ \\t]*`, 'gm')
  for (let m = assign.exec(text); m; m = assign.exec(text)) {
    const key = m[1] as string
    const lx = new Lexer(text, m.index + m[0].length)
    const val = lx.value()
    if (val === undefined) unreadable.add(key)
    else {
      fields.set(key, val)
      unreadable.delete(key)
    }
  }
  const str = (k: string) => {
    const x = fields.get(k)
    return typeof x === 'string' ? x : undefined
  }
  const name = str('name') ?? stub?.[1]
  const version = str('version') ?? stub?.[2]
  if (!name || !version) {
    const which = !name ? 'name' : 'version'
    return {
      error: unreadable.has(which) ? `${which} is not a literal (the file would have to be run)` : `no ${which}`,
    }
  }
  const spec: Gemspec = {
    name,
    version,
    platform: str('platform') ?? stub?.[3] ?? 'ruby',
    licenses: strings(fields.get('licenses')) ?? strings(fields.get('license')) ?? [],
  }
  const authors = strings(fields.get('authors')) ?? strings(fields.get('author'))
  if (authors?.length) spec.authors = authors
  const home = str('homepage')
  if (home) spec.homepage = home
  const summary = str('summary')
  if (summary) spec.summary = summary
  const deps = runtimeDependencies(text, v)
  if (deps.length) spec.requires = deps
  return { spec }
}

/**
 * `to_ruby` of RubyGems before 3.5 writes every dependency twice: `add_runtime_dependency` /
 * `add_development_dependency` under `if s.respond_to? :add_runtime_dependency`, and `add_dependency` for all of
 * them in the `else` branch. There only the first branch's runtime calls count; elsewhere `add_dependency` and
 * `add_runtime_dependency` are runtime dependencies.
 */
function runtimeDependencies(text: string, v: string): string[] {
  const guarded = text.includes('respond_to? :add_runtime_dependency')
  const call = new RegExp(`\\b${v}\\.add_(runtime_dependency|dependency)\\b[ \\t]*\\(?`, 'g')
  const out: string[] = []
  for (let m = call.exec(text); m; m = call.exec(text)) {
    if (guarded && m[1] !== 'runtime_dependency') continue
    const lx = new Lexer(text, m.index + m[0].length)
    const name = lx.value()
    if (typeof name !== 'string') continue
    const reqs: string[] = []
    for (;;) {
      lx.ws()
      if (!lx.eat(',')) break
      const r = strings(lx.value())
      if (!r) break
      reqs.push(...r)
    }
    const dep = `${name} (${(reqs.length ? reqs : ['>= 0']).join(', ')})`
    if (!out.includes(dep)) out.push(dep)
  }
  return out
}
