import { type Ordering, type ParseResult, parseError, precheck, type VersionScheme } from './scheme.js'
import { compareDecimal, comparePrerelease } from './semver.js'

/**
 * A Go version: a module version (golang.org/x/mod/semver) or a Go toolchain version (go/version), placed on one
 * line so that the stdlib package of a binary (`go1.21.3`) orders against the OSV Go vulndb's spelling of
 * toolchain releases (`1.21.3`, `1.21.0-rc.4`, `1.21.0-0`).
 */
export interface GoVersion {
  kind: 'module' | 'toolchain'
  /** The order key: a SemVer core plus prerelease identifiers (see toolchainKey for `top`). */
  major: string
  minor: string
  patch: string
  pre: string[]
  /** Sorts this prerelease after every ordinary prerelease of the same MAJOR.MINOR.PATCH. */
  top: boolean
  /** The canonical spelling. */
  text: string
}

const NUM = /^(0|[1-9][0-9]*)/
const IDENT = /^[0-9A-Za-z-]+$/
const isBadNum = (s: string) => /^[0-9]+$/.test(s) && s.length > 1 && s.startsWith('0')

/**
 * golang.org/x/mod/semver `parse` (semver/semver.go): `vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]`, where the
 * shorthands `v1` and `v1.2` mean v1.0.0 and v1.2.0 and may carry no prerelease or build. The `v` is optional here
 * because OSV writes Go module versions without it (the SEMVER range type).
 */
function parseModule(input: string): GoVersion | string {
  let s = input.startsWith('v') ? input.slice(1) : input
  const nums: string[] = []
  for (;;) {
    const m = NUM.exec(s)
    if (!m?.[1])
      return nums.length ? `expected a number after "." in ${input}` : 'not a Go module version (vMAJOR.MINOR.PATCH)'
    nums.push(m[1])
    s = s.slice(m[1].length)
    if (/^[0-9]/.test(s)) return 'leading zero in a version number'
    if (nums.length === 3 || !s.startsWith('.')) break
    s = s.slice(1)
  }
  const [major = '0', minor = '0', patch = '0'] = nums
  let pre: string[] = []
  let build = ''
  if (nums.length < 3 && s !== '') return 'the shorthands vMAJOR and vMAJOR.MINOR take no prerelease or build'
  if (s.startsWith('-')) {
    const end = s.indexOf('+')
    const text = end < 0 ? s.slice(1) : s.slice(1, end)
    pre = text.split('.')
    for (const id of pre) {
      if (!IDENT.test(id)) return `bad prerelease identifier ${JSON.stringify(id)}`
      if (isBadNum(id)) return `numeric prerelease identifier ${id} has a leading zero`
    }
    s = end < 0 ? '' : s.slice(end)
  }
  if (s.startsWith('+')) {
    build = s.slice(1)
    if (!build.split('.').every((id) => IDENT.test(id))) return `bad build metadata ${JSON.stringify(build)}`
    s = ''
  }
  if (s !== '') return `unexpected ${JSON.stringify(s.slice(0, 20))} after the version`
  // module.CanonicalVersion (x/mod module/module.go): semver.Canonical, which drops build metadata, except that the
  // special build suffix "+incompatible" (a v2+ module without go.mod) is kept. Build metadata never orders.
  const core = `v${major}.${minor}.${patch}${pre.length ? `-${pre.join('.')}` : ''}`
  return {
    kind: 'module',
    major,
    minor,
    patch,
    pre,
    top: false,
    text: build === 'incompatible' ? `${core}+incompatible` : core,
  }
}

interface Gover {
  major: string
  minor: string
  patch: string
  kind: string
  pre: string
}

/** internal/gover `cutInt`: a decimal number with no unnecessary leading zero. */
function cutInt(x: string): [string, string] | undefined {
  const m = /^[0-9]+/.exec(x)
  if (!m || (m[0].length > 1 && m[0].startsWith('0'))) return undefined
  return [m[0], x.slice(m[0].length)]
}

/** internal/gover `parsePreRelease`: lowercase letters, then an optional number. */
function parsePreRelease(x: string): [string, string] | undefined {
  const m = /^([a-z]+)(.*)$/.exec(x)
  if (!m?.[1]) return undefined
  const rest = m[2] ?? ''
  if (rest === '') return [m[1], '']
  const n = cutInt(rest)
  return n && n[1] === '' ? [m[1], n[0]] : undefined
}

/** internal/gover `Parse` (golang/go src/internal/gover/gover.go), on the version without its `go` prefix. */
function parseGover(x: string): Gover | undefined {
  const maj = cutInt(x)
  if (!maj) return undefined
  const [major, afterMajor] = maj
  // "1" means 1.0.0.
  if (afterMajor === '') return { major, minor: '0', patch: '0', kind: '', pre: '' }
  if (!afterMajor.startsWith('.')) return undefined
  const min = cutInt(afterMajor.slice(1))
  if (!min) return undefined
  const [minor, rest] = min
  // A missing patch is the same as ".0" before Go 1.21; from 1.21 on "1.21" is the language version, which is
  // below its own release candidates (gover.IsLang: 1.21 < 1.21rc1 < 1.21.0).
  if (rest === '') return { major, minor, patch: compareDecimal(minor, '21') < 0 ? '0' : '', kind: '', pre: '' }
  if (rest.startsWith('.')) {
    const p = cutInt(rest.slice(1))
    if (!p) return undefined
    const [patch, tail] = p
    if (tail === '') return { major, minor, patch, kind: '', pre: '' }
    const kp = parsePreRelease(tail)
    return kp ? { major, minor, patch, kind: kp[0], pre: kp[1] } : undefined
  }
  const kp = parsePreRelease(rest)
  return kp ? { major, minor, patch: '', kind: kp[0], pre: kp[1] } : undefined
}

/**
 * Maps a toolchain version onto the module line so that
 *  - gover.Compare's order among toolchain versions is kept exactly: a missing patch sorts below ".0"; without a
 *    patch "" < alpha < beta < rc (the language version first); with a patch alpha < beta < rc < "" (the
 *    release last); kinds compare as strings, then their numbers;
 *  - released and patch-less prerelease toolchains land where govulncheck puts them (golang.org/x/vuln
 *    GoTagToSemver) and so where the OSV Go vulndb writes them: go1.21.3 = 1.21.3, go1.21rc4 = 1.21.0-rc.4;
 *  - the language version go1.21 (Go ≥ 1.21) is 1.21.0-0, the lowest version of the 1.21.0 line and the vulndb's
 *    own "introduced" point for a 1.21 branch, so that it sorts below go1.21rc1 as go/version says;
 *  - a prerelease of patch ".0" (go1.21.0rc1, which gover places after every go1.21rcN) sorts after every
 *    ordinary prerelease of 1.21.0 (`top`); patch prereleases of later patches (go1.9.2rc2) need no such help
 *    and sit at 1.9.2-rc.2, as govulncheck puts them.
 */
function toolchainKey(g: Gover): Pick<GoVersion, 'major' | 'minor' | 'patch' | 'pre' | 'top'> {
  const kindPre = g.pre === '' ? [g.kind] : [g.kind, g.pre]
  const base = { major: g.major, minor: g.minor }
  if (g.patch === '') {
    return g.kind === ''
      ? { ...base, patch: '0', pre: ['0'], top: false }
      : { ...base, patch: '0', pre: kindPre, top: false }
  }
  if (g.kind === '') return { ...base, patch: g.patch, pre: [], top: false }
  return { ...base, patch: g.patch, pre: kindPre, top: g.patch === '0' }
}

/**
 * go/version (golang/go src/go/version/version.go): a `go` prefix, then a gover version; a custom toolchain
 * suffix after the first `-` (`go1.21.0-bigcorp`) is ignored in comparison. go/version accepts anything after the
 * `-`; this accepts only letters, digits, `.`, `_` and `-` there so no garbage passes as a version. Other text
 * after the version (`go1.21.3 X:boringcrypto`) is refused, as go/version does: strip it before parsing.
 */
function parseToolchain(input: string): GoVersion | string {
  const dash = input.indexOf('-')
  const body = dash < 0 ? input : input.slice(0, dash)
  if (dash >= 0 && !/^[0-9A-Za-z][0-9A-Za-z._-]*$/.test(input.slice(dash + 1))) return 'bad toolchain suffix after "-"'
  const g = parseGover(body.slice(2))
  if (!g) return 'not a Go toolchain version (go1.N[.P][alphaN|betaN|rcN])'
  return { kind: 'toolchain', ...toolchainKey(g), text: body }
}

function compareGo(a: GoVersion, b: GoVersion): Ordering {
  const c = compareDecimal(a.major, b.major) || compareDecimal(a.minor, b.minor) || compareDecimal(a.patch, b.patch)
  if (c !== 0) return c
  // A release (no prerelease) is above all prereleases; `top` prereleases are above all others.
  if (a.pre.length === 0 || b.pre.length === 0) return comparePrerelease(a.pre, b.pre)
  if (a.top !== b.top) return a.top ? 1 : -1
  return comparePrerelease(a.pre, b.pre)
}

/**
 * Go: module versions as golang.org/x/mod/semver orders them (build metadata such as `+incompatible` ignored;
 * pseudo-versions `v0.0.0-20191109021931-daa7c04131f5` and `v1.2.4-0.20191109021931-daa7c04131f5` are ordinary
 * prereleases and sort as such), and Go toolchain versions (`go1.21.3`, `go1.22rc1`, `go1.21`) as go/version orders
 * them, both on one line (see toolchainKey). `format` gives x/mod's module.CanonicalVersion for modules
 * (`v1.2.0` for `v1.2`) and the toolchain spelling without its custom suffix for toolchains.
 */
export const goScheme: VersionScheme<GoVersion> = {
  name: 'go',
  parse(input: string): ParseResult<GoVersion> {
    const bad = precheck('go', input)
    if (bad) return { ok: false, error: bad }
    const v = input.startsWith('go') ? parseToolchain(input) : parseModule(input)
    return typeof v === 'string' ? parseError('go', input, v) : { ok: true, value: v }
  },
  compare: compareGo,
  format: (v) => v.text,
}
