/** What the npm cataloger keeps of a `package.json`. */
export interface PackageJson {
  name?: string
  version?: string
  licenses: string[]
  author?: string
  homepage?: string
  repository?: string
  description?: string
  private?: boolean
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
  optionalDependencies: Record<string, string>
  /** `workspaces` (array form or `{packages: [...]}`), when the file declares any. */
  workspaces?: string[]
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string }

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined)

function record(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x
  }
  return out
}

/** `"MIT"`, `{type: "MIT"}`, or the old `licenses: [{type, url}]` / `licenses: "MIT"`. */
function licensesOf(j: Record<string, unknown>): string[] {
  const one = (v: unknown): string | undefined =>
    str(v) ?? (v && typeof v === 'object' ? str((v as Record<string, unknown>).type) : undefined)
  const out: string[] = []
  const l = one(j.license)
  if (l) out.push(l)
  const ls = j.licenses
  if (Array.isArray(ls)) {
    for (const x of ls) {
      const v = one(x)
      if (v && !out.includes(v)) out.push(v)
    }
  } else {
    const v = one(ls)
    if (v && !out.includes(v)) out.push(v)
  }
  return out
}

/** `"Name <mail> (url)"` as written, or the object form rendered the same way. */
function personOf(v: unknown): string | undefined {
  if (typeof v === 'string') return str(v)
  if (!v || typeof v !== 'object') return undefined
  const o = v as Record<string, unknown>
  const name = str(o.name)
  const email = str(o.email)
  const url = str(o.url)
  const parts = [name, email ? `<${email}>` : undefined, url ? `(${url})` : undefined].filter(Boolean)
  return parts.length ? parts.join(' ') : undefined
}

function urlOf(v: unknown): string | undefined {
  if (typeof v === 'string') return str(v)
  if (v && typeof v === 'object') return str((v as Record<string, unknown>).url)
  return undefined
}

function workspacesOf(v: unknown): string[] | undefined {
  const list = Array.isArray(v) ? v : v && typeof v === 'object' ? (v as Record<string, unknown>).packages : undefined
  if (!Array.isArray(list)) return undefined
  const out = list.filter((x): x is string => typeof x === 'string')
  return out.length ? out : undefined
}

/** JSON text with an optional UTF-8 byte order mark, as npm accepts it. */
export function parseJsonText(buf: Buffer): Parsed<unknown> {
  let text = buf.toString('utf8')
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (e) {
    return { ok: false, error: `not valid JSON: ${(e as Error).message}` }
  }
}

export function parsePackageJson(buf: Buffer): Parsed<PackageJson> {
  const r = parseJsonText(buf)
  if (!r.ok) return r
  const j = r.value
  if (!j || typeof j !== 'object' || Array.isArray(j)) return { ok: false, error: 'not a JSON object' }
  const o = j as Record<string, unknown>
  const pj: PackageJson = {
    licenses: licensesOf(o),
    dependencies: record(o.dependencies),
    devDependencies: record(o.devDependencies),
    optionalDependencies: record(o.optionalDependencies),
  }
  const name = str(o.name)
  if (name) pj.name = name
  const version = str(o.version)
  if (version) pj.version = version
  const author = personOf(o.author)
  if (author) pj.author = author
  const homepage = str(o.homepage)
  if (homepage) pj.homepage = homepage
  const repository = urlOf(o.repository)
  if (repository) pj.repository = repository
  const description = str(o.description)
  if (description) pj.description = description
  if (o.private === true) pj.private = true
  const ws = workspacesOf(o.workspaces)
  if (ws) pj.workspaces = ws
  return { ok: true, value: pj }
}
