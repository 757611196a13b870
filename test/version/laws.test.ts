import { describe, expect, it } from 'vitest'
import { checkRange, SCHEMES, type SchemeName, satisfies } from '../../src/version/index.js'
import { rng } from '../helpers/rng.js'

const NAMES = Object.keys(SCHEMES) as SchemeName[]
const N = 400

/** The laws every scheme obeys, on samples from that scheme's own generator (test/version/gen/<name>.ts). */
describe.each(NAMES)('%s: the laws', (name) => {
  const scheme = SCHEMES[name]
  const load = async () => {
    const gen = (await import(`./gen/${name}.ts`)) as { samples(r: () => number, n: number): string[] }
    const strings = gen.samples(rng(name.length * 7919), N)
    expect(strings.length).toBe(N)
    return strings.map((s) => {
      const p = scheme.parse(s)
      if (!p.ok) throw new Error(`generator gave an invalid ${name} version ${JSON.stringify(s)}: ${p.error.reason}`)
      return { s, v: p.value }
    })
  }
  const comparable = (a: unknown, b: unknown) => !scheme.comparable || scheme.comparable(a, b)

  it('reflexive and antisymmetric', async () => {
    const xs = await load()
    for (const a of xs) expect(scheme.compare(a.v, a.v), a.s).toBe(0)
    for (const a of xs) {
      for (const b of xs) {
        if (!comparable(a.v, b.v)) continue
        const ab = scheme.compare(a.v, b.v)
        const ba = scheme.compare(b.v, a.v)
        if (ab !== -ba) expect.fail(`${a.s} vs ${b.s}: ${ab} but reversed ${ba}`)
      }
    }
  })

  it('transitive (sorting gives an order every pair agrees with)', async () => {
    const xs = await load()
    // For schemes that cannot order everything, check the largest group (greedily) whose members all compare.
    const groups: typeof xs = []
    for (const x of xs) if (groups.every((y) => comparable(x.v, y.v))) groups.push(x)
    expect(groups.length, 'comparable samples').toBeGreaterThan(N / 8)
    const sorted = [...groups].sort((a, b) => scheme.compare(a.v, b.v))
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const a = sorted[i] as (typeof sorted)[0]
        const b = sorted[j] as (typeof sorted)[0]
        if (scheme.compare(a.v, b.v) > 0) expect.fail(`sorted ${a.s} before ${b.s} but compare says it is greater`)
      }
    }
  })

  it('parse → format → parse is stable', async () => {
    for (const { s, v } of await load()) {
      const f = scheme.format(v)
      const again = scheme.parse(f)
      if (!again.ok) expect.fail(`${s} formats as ${f}, which does not parse: ${again.error.reason}`)
      expect(scheme.compare(again.value, v), `${s} → ${f}`).toBe(0)
      expect(scheme.format(again.value), s).toBe(f)
    }
  })

  it('range membership agrees with compare', async () => {
    const xs = (await load()).slice(0, 120)
    for (const a of xs) {
      for (const b of xs.slice(0, 30)) {
        if (!comparable(a.v, b.v)) {
          expect(satisfies(name, a.s, `>= ${b.s}`) && satisfies(name, a.s, `< ${b.s}`)).toBe(false)
          continue
        }
        const c = scheme.compare(a.v, b.v)
        const check = (range: string, want: boolean) => {
          const r = checkRange(name, a.s, range)
          if (!r.ok || r.value !== want) expect.fail(`${a.s} in "${range}": want ${want}, got ${JSON.stringify(r)}`)
        }
        check(`>= ${b.s}`, c >= 0)
        check(`< ${b.s}`, c < 0)
        check(`<= ${b.s}`, c <= 0)
        check(`> ${b.s}`, c > 0)
        check(`= ${b.s}`, c === 0)
        check(`!= ${b.s}`, c !== 0)
        check(`< ${b.s} || >= ${b.s}`, true)
        check(`>= ${b.s}, < ${b.s}`, false)
      }
    }
  })
})

describe.each(NAMES)('%s: bad input is a typed error, never a throw or a match', (name) => {
  const scheme = SCHEMES[name]
  it.each([
    ['empty', ''],
    ['10 kB', '1'.repeat(10_000)],
    ['control characters', '1.0\u0000'],
    ['a newline', '1.0\n2.0'],
    ['a trailing colon', '1.0:'],
  ])('%s', (_what, input) => {
    const r = scheme.parse(input)
    // The unknown scheme takes any printable string, but can never prove a match for it.
    if (name === 'unknown' && input === '1.0:') {
      expect(satisfies(name, input, '>= 1.0')).toBe(false)
      return
    }
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.kind).toBe('version-parse-error')
      expect(r.error.scheme).toBe(name)
    }
    expect(satisfies(name, input, '>= 0')).toBe(false)
  })
})
