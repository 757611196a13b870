import { type Ordering, type ParseResult, parseError, precheck, type VersionScheme } from './scheme.js'

/*
 * Alpine's apk version rules, as apk-tools 3 implements them in src/version.c (`apk_version_validate`,
 * `apk_version_compare`, `apk_version_match`):
 *
 *   digit{.digit}...{letter}{_suffix{number}}...{~hash}{-rN}
 *
 * A version is a sequence of typed tokens. apk-tools 2.14 has the same ordering but no `~hash` token, and also
 * accepts a bare `_` (as the `SUFFIX_NONE` suffix) and a bare `-r`; apk-tools 3 refuses both, and so do we.
 */

/** Token types in apk-tools' own order (`enum PARTS`); the order matters when two versions diverge. */
const INITIAL_DIGIT = 0
const DIGIT = 1
const LETTER = 2
const SUFFIX = 3
const SUFFIX_NO = 4
const COMMIT_HASH = 5
const REVISION_NO = 6
const END = 7

/**
 * Suffix values as apk-tools numbers them: pre-release suffixes below SUFFIX_NONE (a release), post-release
 * suffixes above it. `_alpha` < `_beta` < `_pre` < `_rc` < (release) < `_cvs` < `_svn` < `_git` < `_hg` < `_p`.
 */
const SUFFIX_NONE = 5
const SUFFIXES: Readonly<Record<string, number>> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
}

interface Token {
  readonly type: number
  /** The token's own characters (digits without the `.`, the letter, the suffix name, the hash). */
  readonly raw: string
  /** Digit tokens: the value as apk_blob_pull_uint reads it. Suffixes: the suffix value. */
  readonly value: number | bigint
}

export interface ApkVersion {
  /** The version as written: apk versions have no alternative spellings to normalise. */
  readonly text: string
  /** The tokens, always ending with an END token. */
  readonly tokens: readonly Token[]
}

const TWO_POW_64 = 2n ** 64n

/**
 * apk_blob_pull_uint accumulates into a uint64_t, so a digit run of 2^64 or more wraps around. We keep the
 * wrapped value so that the order is the one apk itself uses, quirk included.
 */
function digitsValue(digits: string): number | bigint {
  if (digits.length <= 15) return Number(digits)
  return BigInt(digits) % TWO_POW_64
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122
}

/** APK_CTYPE_HEXDIGIT in src/ctype.c: lowercase only, so an uppercase commit hash is not one to apk. */
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102)
}

/** The tokens of a version, or why apk_version_validate refuses it. */
function tokenize(s: string): Token[] | string {
  const tokens: Token[] = []
  let i = 0
  const run = (pred: (c: number) => boolean): string => {
    const start = i
    while (i < s.length && pred(s.charCodeAt(i))) i++
    return s.slice(start, i)
  }
  const first = run(isDigit)
  if (first === '') return 'must start with a digit'
  tokens.push({ type: INITIAL_DIGIT, raw: first, value: digitsValue(first) })
  let prev = INITIAL_DIGIT
  while (i < s.length) {
    const c = s.charCodeAt(i)
    const at = `at offset ${i}`
    if (isLower(c)) {
      // One letter, straight after a number: `1.2a`, not `1.2ab`, `1.2_rc1a` or `1.2-r1a`.
      if (prev > DIGIT) return `letter ${at} not directly after a number`
      tokens.push({ type: LETTER, raw: s[i] as string, value: c })
      i++
      prev = LETTER
    } else if (c === 46 /* . */ || isDigit(c)) {
      if (c === 46) {
        if (prev > DIGIT) return `"." ${at} not after a number`
        i++
      }
      let type: number
      if (prev === INITIAL_DIGIT || prev === DIGIT) type = DIGIT
      else if (prev === SUFFIX) type = SUFFIX_NO
      else return `number ${at} in the wrong place`
      const digits = run(isDigit)
      if (digits === '') return `"." ${at} without digits after it`
      tokens.push({ type, raw: digits, value: digitsValue(digits) })
      prev = type
    } else if (c === 95 /* _ */) {
      if (prev > SUFFIX_NO) return `suffix ${at} after a commit hash or revision`
      i++
      const name = run(isLower)
      const value = SUFFIXES[name]
      if (value === undefined) return `unknown suffix "_${name}" ${at} (alpha, beta, pre, rc, cvs, svn, git, hg, p)`
      tokens.push({ type: SUFFIX, raw: name, value })
      prev = SUFFIX
    } else if (c === 126 /* ~ */) {
      if (prev >= COMMIT_HASH) return `"~" ${at} after a commit hash or revision`
      i++
      const hash = run(isHex)
      if (hash === '') return `"~" ${at} without a lowercase hex commit hash`
      tokens.push({ type: COMMIT_HASH, raw: hash, value: 0 })
      prev = COMMIT_HASH
    } else if (c === 45 /* - */) {
      if (prev >= REVISION_NO) return `second revision ${at}`
      if (s.charCodeAt(i + 1) !== 114 /* r */) return `"-" ${at} not followed by "r" and a number`
      i += 2
      const digits = run(isDigit)
      if (digits === '') return `revision "-r" ${at} without a number`
      tokens.push({ type: REVISION_NO, raw: digits, value: digitsValue(digits) })
      prev = REVISION_NO
    } else {
      return `unexpected character ${JSON.stringify(s[i])} ${at}`
    }
  }
  tokens.push({ type: END, raw: '', value: 0 })
  return tokens
}

/** apk_blob_sort: bytewise over the common length, then the shorter first. */
function blobSort(a: string, b: string): Ordering {
  if (a === b) return 0
  return a < b ? -1 : 1
}

/** apk-tools' token_cmp, for two tokens of the same type. */
function tokenCmp(a: Token, b: Token): Ordering {
  switch (a.type) {
    case DIGIT:
      // Gentoo's rule, kept by apk: a component with a leading zero compares as a string, so 1.01 < 1.1
      // and 8.2.0 < 8.2.001, while components without one compare as numbers.
      if (a.raw.charCodeAt(0) === 48 || b.raw.charCodeAt(0) === 48) return blobSort(a.raw, b.raw)
      break
    case INITIAL_DIGIT:
    case SUFFIX_NO:
    case REVISION_NO:
    case LETTER:
    case SUFFIX:
      break
    default:
      // The commit hash (and anything else) sorts as a string.
      return blobSort(a.raw, b.raw)
  }
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0
}

/**
 * apk_version_compare_fuzzy. With `fuzzy`, `b` is a prefix pattern: when `a` still has tokens after all of
 * `b`'s matched, they are equal (`3.6.9 ~ 3.6`).
 */
function compareTokens(a: readonly Token[], b: readonly Token[], fuzzy: boolean): Ordering {
  let i = 0
  let ta = a[0] as Token
  let tb = b[0] as Token
  while (ta.type === tb.type && ta.type < END) {
    const r = tokenCmp(ta, tb)
    if (r !== 0) return r
    i++
    ta = a[i] as Token
    tb = b[i] as Token
  }
  if (ta.type === tb.type) return 0
  if (fuzzy && tb.type === END) return 0
  // Where the two diverge, a pre-release suffix (`_alpha`…`_rc`) is older than anything, including the end
  // of the other version (1.0_rc1 < 1.0); otherwise the token type later in apk's list is the older one, so
  // the end of a version is older than a revision (1.0 < 1.0-r0), a revision older than a hash, a hash older
  // than a suffix number, and a post-release suffix (`_p1`, `_git…`) older than a further letter or number.
  if (ta.type === SUFFIX && (ta.value as number) < SUFFIX_NONE) return -1
  if (tb.type === SUFFIX && (tb.value as number) < SUFFIX_NONE) return 1
  return ta.type > tb.type ? -1 : 1
}

function parse(input: string): ParseResult<ApkVersion> {
  const pre = precheck('apk', input)
  if (pre) return { ok: false, error: pre }
  const tokens = tokenize(input)
  if (typeof tokens === 'string') return parseError('apk', input, tokens)
  return { ok: true, value: { text: input, tokens } }
}

function compare(a: ApkVersion, b: ApkVersion): Ordering {
  return compareTokens(a.tokens, b.tokens, false)
}

const LESS = 2
const EQUAL = 1
const GREATER = 4
const FUZZY = 8

/**
 * apk's own dependency operators where they differ from the shared grammar: the fuzzy ones, `~3.6` (any 3.6.x),
 * `<~3.6` and `>~3.6` (apk_version_result_mask + apk_version_match). Other operators are the shared grammar's.
 */
function nativeSatisfies(version: ApkVersion, range: string): boolean | undefined {
  const m = /^\s*([<>=~]*~[<>=~]*)\s*(\S+)\s*$/.exec(range)
  if (!m) return undefined
  let mask = 0
  for (const ch of m[1] as string) {
    if (ch === '<') mask |= LESS
    else if (ch === '>') mask |= GREATER
    else if (ch === '=') mask |= EQUAL
    else mask |= FUZZY | EQUAL
  }
  const p = parse(m[2] as string)
  if (!p.ok) return undefined
  const r = compareTokens(version.tokens, p.value.tokens, (mask & FUZZY) !== 0)
  const bit = r < 0 ? LESS : r > 0 ? GREATER : EQUAL
  return (mask & bit) !== 0
}

export const apkScheme: VersionScheme<ApkVersion> = {
  name: 'apk',
  parse,
  compare,
  format: (v) => v.text,
  nativeSatisfies,
}
