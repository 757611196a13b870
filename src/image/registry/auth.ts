/** One challenge of a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */
export interface Challenge {
  scheme: string
  params: Record<string, string>
}

/**
 * Parses a `WWW-Authenticate` header (RFC 7235): several challenges may share one header, separated by commas,
 * and quoted values may contain commas (scopes do: `repository:a:pull,push`).
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const list = Array.isArray(header) ? header : header ? [header] : []
  const out: Challenge[] = []
  for (const h of list) {
    let i = 0
    let current: Challenge | undefined
    const skipWs = () => {
      while (i < h.length && (h[i] === ' ' || h[i] === '\t' || h[i] === ',')) i++
    }
    while (i < h.length) {
      skipWs()
      const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)/.exec(h.slice(i))
      if (!m) break
      const token = m[1] as string
      i += token.length
      while (h[i] === ' ') i++
      if (h[i] === '=') {
        // key=value of the current challenge
        i++
        while (h[i] === ' ') i++
        let value = ''
        if (h[i] === '"') {
          i++
          while (i < h.length && h[i] !== '"') {
            if (h[i] === '\\' && i + 1 < h.length) i++
            value += h[i]
            i++
          }
          i++
        } else {
          const v = /^[^,\s]*/.exec(h.slice(i))?.[0] ?? ''
          value = v
          i += v.length
        }
        if (current) current.params[token.toLowerCase()] = value
      } else {
        current = { scheme: token.toLowerCase(), params: {} }
        out.push(current)
      }
    }
  }
  return out
}

export interface CachedToken {
  token: string
  expiresAt: number
}

/**
 * Bearer tokens keyed by (realm, service, scope). Concurrent requests for the same key share one fetch, so a
 * scan reading several layers at once asks the token server once.
 */
export class TokenCache {
  private readonly entries = new Map<string, Promise<CachedToken>>()

  static key(realm: string, service: string | undefined, scope: string | undefined): string {
    return JSON.stringify([realm, service ?? '', scope ?? ''])
  }

  async get(key: string, fetch: () => Promise<CachedToken>, now = Date.now()): Promise<string> {
    const hit = this.entries.get(key)
    if (hit) {
      try {
        const t = await hit
        if (t.expiresAt > now + 5_000) return t.token
      } catch {
        // a failed fetch is not cached; fall through and try again
      }
      if (this.entries.get(key) === hit) this.entries.delete(key)
    }
    const p = fetch()
    this.entries.set(key, p)
    p.catch(() => {
      if (this.entries.get(key) === p) this.entries.delete(key)
    })
    return (await p).token
  }

  /** Forgets a token the registry refused (it expired early, or was revoked). */
  drop(key: string): void {
    this.entries.delete(key)
  }
}

/** Reads `token` or `access_token` and the lifetime from a token endpoint's JSON answer. */
export function parseTokenResponse(text: string): CachedToken | undefined {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return undefined
  }
  const o = (v ?? {}) as Record<string, unknown>
  const token = typeof o.token === 'string' && o.token ? o.token : o.access_token
  if (typeof token !== 'string' || !token) return undefined
  // The spec's default lifetime is 60 s; registries that say nothing get that.
  const expiresIn = typeof o.expires_in === 'number' && o.expires_in > 0 ? o.expires_in : 60
  const issued = typeof o.issued_at === 'string' ? Date.parse(o.issued_at) : Number.NaN
  const base = Number.isFinite(issued) && Math.abs(issued - Date.now()) < 3_600_000 ? issued : Date.now()
  return { token, expiresAt: base + expiresIn * 1000 }
}
