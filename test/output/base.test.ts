import { describe, expect, it } from 'vitest'
import type { BaseOption, CatalogueImage, Quickview, Recommendations } from '../../src/analysis/index.js'
import { type Digest, SEVERITY_LETTER, SEVERITY_ORDER, type SeverityCounts } from '../../src/model/index.js'
import {
  formatQuickviewJson,
  formatQuickviewMarkdown,
  formatQuickviewText,
  formatRecommendationsJson,
  formatRecommendationsMarkdown,
  formatRecommendationsText,
} from '../../src/output/index.js'
import { golden } from './report.js'

/*
 * Fixed quickview and recommendations objects, made by hand as `buildQuickview`/`buildRecommendations` would make
 * them: an application image on `registry.example/library/debian-base:bookworm` (found by its layers), a refreshed
 * `bookworm` digest that removes 2 highs and 2 lows, and two other tags — a slim variant (smaller, fewer packages)
 * and one with a minor runtime update.
 */

const digest = (hex8: string) => `sha256:${hex8.repeat(8)}` as Digest
const counts = (critical: number, high: number, medium: number, low: number, unspecified: number): SeverityCounts => ({
  critical,
  high,
  medium,
  low,
  unspecified,
})

const TARGET_DIGEST = digest('ab12cd34')
const BASE = 'registry.example/library/debian-base'
const BASE_NAME = `${BASE}:bookworm`

function image(over: Partial<CatalogueImage> & Pick<CatalogueImage, 'digest' | 'tags'>): CatalogueImage {
  return {
    repository: BASE,
    firstSeen: '2024-05-13T08:12:00.000Z',
    seq: 1,
    diffIds: [digest('0badf00d')],
    platform: 'linux/amd64',
    os: { id: 'debian', versionId: '12', codename: 'bookworm' },
    flavour: 'default',
    packages: 125,
    size: 74_812_345,
    runtimes: { perl: '5.36.0' },
    ...over,
  }
}

const CURRENT = image({ digest: digest('c0ffee00'), tags: ['bookworm', '12', '12.5'] })
const CURRENT_COUNTS = counts(0, 2, 5, 9, 1)

function option(
  kind: BaseOption['kind'],
  img: CatalogueImage,
  c: SeverityCounts,
  benefits: string[],
  runtimes: BaseOption['runtimes'] = [],
): BaseOption {
  const [tag, ...alsoKnownAs] = img.tags as [string, ...string[]]
  return {
    kind,
    repository: BASE,
    tag,
    alsoKnownAs,
    image: img,
    counts: c,
    delta: counts(
      c.critical - CURRENT_COUNTS.critical,
      c.high - CURRENT_COUNTS.high,
      c.medium - CURRENT_COUNTS.medium,
      c.low - CURRENT_COUNTS.low,
      c.unspecified - CURRENT_COUNTS.unspecified,
    ),
    sizeDelta: img.size - CURRENT.size,
    packagesDelta: img.packages - CURRENT.packages,
    runtimes,
    benefits,
  }
}

const REFRESHED = option(
  'refresh',
  image({
    digest: digest('feedbeef'),
    tags: ['bookworm', '12', '12.6'],
    firstSeen: '2024-06-27T09:30:00.000Z',
    seq: 4,
    size: 74_901_000,
  }),
  counts(0, 0, 5, 7, 1),
  ['Same OS detected', 'Newer image for same tag', 'Image introduces no new vulnerability but removes 4'],
)

const SLIM = option(
  'update',
  image({
    digest: digest('5111d00d'),
    tags: ['bookworm-slim', '12-slim', '12.6-slim'],
    firstSeen: '2024-06-27T09:31:00.000Z',
    seq: 5,
    flavour: 'slim',
    packages: 73,
    size: 29_700_000,
  }),
  counts(0, 0, 3, 4, 0),
  [
    'Same OS detected',
    'Tag is using slim variant',
    'Image introduces no new vulnerability but removes 10',
    'Image is smaller by 45.1 MB',
    'Image contains 52 fewer packages',
    'Tag was pushed more recently',
  ],
)

const BACKPORTS = option(
  'update',
  image({
    digest: digest('ba5eba11'),
    tags: ['bookworm-backports', '12-backports'],
    firstSeen: '2024-06-20T14:00:00.000Z',
    seq: 3,
    packages: 127,
    size: 76_020_000,
    runtimes: { perl: '5.38.2' },
  }),
  counts(0, 1, 5, 8, 1),
  [
    'Same OS detected',
    'Image introduces no new vulnerability but removes 2',
    'Minor runtime version update (perl 5.36.0 → 5.38.2)',
    'Tag was pushed more recently',
  ],
  [{ name: 'perl', from: '5.36.0', to: '5.38.2', change: 'minor' }],
)

const TARGET: Quickview['target'] = {
  ref: 'registry.example/shop/app:1.0',
  name: 'registry.example/shop/app',
  tags: ['1.0'],
  manifestDigest: TARGET_DIGEST,
  platform: { os: 'linux', architecture: 'amd64' },
  packages: 214,
}
const TARGET_COUNTS = counts(1, 3, 7, 12, 1)
const AUTO_DETECTED =
  'Base image was auto-detected from its layers; build with provenance attestations for exact results.'

function quickview(): Quickview {
  return {
    schemaVersion: 1,
    kind: 'quickview',
    target: structuredClone(TARGET),
    base: { foundBy: 'layers', name: BASE_NAME, digest: CURRENT.digest, layers: 1, countsFrom: 'catalogue' },
    rows: [
      { role: 'target', name: 'registry.example/shop/app:1.0', digest: TARGET_DIGEST, counts: TARGET_COUNTS },
      { role: 'base', name: BASE_NAME, digest: CURRENT.digest, counts: CURRENT_COUNTS },
      {
        role: 'refreshed',
        name: BASE_NAME,
        digest: REFRESHED.image.digest,
        counts: REFRESHED.counts,
        delta: REFRESHED.delta,
      },
      {
        role: 'updated',
        name: `${BASE}:bookworm-slim`,
        digest: SLIM.image.digest,
        counts: SLIM.counts,
        delta: SLIM.delta,
      },
    ],
    notes: [AUTO_DETECTED],
    warnings: ['the vulnerability database was built 9 days ago'],
  }
}

function noBaseQuickview(): Quickview {
  const q = quickview()
  delete q.base
  q.rows = q.rows.filter((r) => r.role === 'target')
  q.notes = []
  q.warnings = []
  return q
}

const NOT_CATALOGUED = `The base image is not in the catalogue: run \`shipshape base index ${BASE_NAME}\` to analyse it and get refresh and update advice.`

/** A base named by its label but not in the catalogue: its counts come from the image's base layers. */
function notCataloguedQuickview(): Quickview {
  const q = quickview()
  q.base = { foundBy: 'label', name: BASE_NAME, digest: CURRENT.digest, layers: 1, countsFrom: 'base-layers' }
  q.rows = [
    q.rows[0] as Quickview['rows'][number],
    { role: 'base', name: BASE_NAME, digest: CURRENT.digest, counts: counts(0, 1, 4, 6, 1) },
  ]
  q.notes = [NOT_CATALOGUED]
  q.warnings = []
  return q
}

function recommendations(): Recommendations {
  return {
    schemaVersion: 1,
    kind: 'recommendations',
    target: structuredClone(TARGET),
    base: {
      foundBy: 'layers',
      name: BASE_NAME,
      digest: CURRENT.digest,
      layers: 1,
      countsFrom: 'catalogue',
      counts: CURRENT_COUNTS,
      size: CURRENT.size,
      packages: CURRENT.packages,
      flavour: CURRENT.flavour,
      firstSeen: CURRENT.firstSeen,
      os: 'debian 12',
    },
    refreshed: structuredClone(REFRESHED),
    updated: [structuredClone(SLIM), structuredClone(BACKPORTS)],
    notes: [AUTO_DETECTED],
  }
}

function onlyRefresh(): Recommendations {
  const r = recommendations()
  r.updated = []
  return r
}

/** A base named by provenance that nothing has analysed: no counts, no details. */
function notAnalysedRecommendations(): Recommendations {
  return {
    schemaVersion: 1,
    kind: 'recommendations',
    target: structuredClone(TARGET),
    base: { foundBy: 'provenance', name: BASE_NAME, digest: CURRENT.digest },
    updated: [],
    notes: [NOT_CATALOGUED],
  }
}

describe('quickview and recommendations output on fixed objects', () => {
  it.each([
    ['quickview.txt', () => formatQuickviewText(quickview())],
    ['quickview.md', () => formatQuickviewMarkdown(quickview())],
    ['quickview.json', () => formatQuickviewJson(quickview())],
    ['quickview.no-base.txt', () => formatQuickviewText(noBaseQuickview())],
    ['quickview.not-catalogued.txt', () => formatQuickviewText(notCataloguedQuickview())],
    ['recommendations.txt', () => formatRecommendationsText(recommendations())],
    ['recommendations.md', () => formatRecommendationsMarkdown(recommendations())],
    ['recommendations.json', () => formatRecommendationsJson(recommendations())],
    ['recommendations.only-refresh.txt', () => formatRecommendationsText(onlyRefresh())],
    ['recommendations.not-analysed.txt', () => formatRecommendationsText(notAnalysedRecommendations())],
  ])('%s', (name, make) => {
    const out = make()
    expect(out).toBe(golden(name, out))
  })
})

/** The column of each level's letter in a counts line (`    0C     2H …`), searched left to right. */
function letterColumns(line: string, c: SeverityCounts): number[] {
  let from = 0
  return SEVERITY_ORDER.map((l) => {
    const token = ` ${c[l]}${SEVERITY_LETTER[l]}`
    const at = line.indexOf(token, from)
    expect(at, `${token} in ${JSON.stringify(line)}`).toBeGreaterThan(-1)
    from = at + token.length
    return at + token.length - 1
  })
}

/** Each delta ends in the column of its level's letter above; a zero delta leaves that whole cell blank. */
function expectDeltaUnder(countsLine: string, deltaLine: string, c: SeverityCounts, d: SeverityCounts): void {
  const cols = letterColumns(countsLine, c)
  const padded = deltaLine.padEnd(Math.max(...cols) + 1)
  SEVERITY_ORDER.forEach((l, i) => {
    const col = cols[i] as number
    const cellText = padded.slice(col - 5, col + 1)
    if (d[l] === 0) expect(cellText, `${l} cell`).toBe('      ')
    else expect(cellText, `${l} cell`).toBe(String(d[l]).padStart(6))
  })
}

describe('quickview text', () => {
  const text = formatQuickviewText(quickview())
  const lines = text.split('\n')

  it('delta rows: -2 under H and L, blank cells where the delta is 0', () => {
    const at = lines.findIndex((l) => l.startsWith('  Refreshed base image │'))
    expect(at).toBeGreaterThan(-1)
    const row = lines[at] as string
    const delta = lines[at + 1] as string
    expect(delta).toMatch(/^ +│ +│/)
    expectDeltaUnder(row, delta, REFRESHED.counts, REFRESHED.delta)
    // Spelled out for this fixture: nothing under C, -2 under H, nothing under M, -2 under L, nothing under ?.
    const start = row.lastIndexOf('│') + 1
    const cells = (s: string) =>
      SEVERITY_ORDER.map((_, i) => s.padEnd(start + 35).slice(start + i * 7, start + i * 7 + 6))
    expect(cells(row)).toEqual(['    0C', '    0H', '    5M', '    7L', '    1?'])
    expect(cells(delta)).toEqual(['      ', '    -2', '      ', '    -2', '      '])

    const up = lines.findIndex((l) => l.startsWith('  Updated base image   │'))
    expectDeltaUnder(lines[up] as string, lines[up + 1] as string, SLIM.counts, SLIM.delta)
  })

  it('the count cells of every row line up', () => {
    const rows = lines.filter((l) => /[CHML?]$/.test(l) && l.includes('│'))
    expect(rows).toHaveLength(4)
    const ends = rows.map((l) => l.length)
    expect(new Set(ends).size).toBe(1)
  })

  it('the target digest is shortened to 12 hex characters', () => {
    expect(lines.filter((l) => /^ {4}digest +│ {2}ab12cd34ab12 +│$/.test(l))).toHaveLength(1)
    expect(text).not.toContain(TARGET_DIGEST.slice(7, 20))
    expect(text).not.toContain('sha256:')
  })

  it('notes as Scout’s `i` lines above the table, warnings below it', () => {
    expect(lines[0]).toBe(`    i ${AUTO_DETECTED}`)
    expect(lines.at(-2)).toBe('  warning: the vulnerability database was built 9 days ago')
  })

  it('no base: the target and its digest only', () => {
    const out = formatQuickviewText(noBaseQuickview()).trimEnd().split('\n')
    expect(out).toHaveLength(2)
    expect(out[0]).toMatch(/^ {2}Target +│ {2}registry\.example\/shop\/app:1\.0 +│ {4}1C {5}3H {5}7M {4}12L {5}1\?$/)
  })

  it('a base not in the catalogue: counts from the base layers, or `(not analysed)` without them', () => {
    const out = formatQuickviewText(notCataloguedQuickview())
    expect(out).toMatch(
      /Base image │ {2}registry\.example\/library\/debian-base:bookworm {2}│ {4}0C {5}1H .* {2}\(from base layers\)$/m,
    )
    expect(out).not.toMatch(/Refreshed|Updated/)
    const q = notCataloguedQuickview()
    delete (q.rows[1] as Quickview['rows'][number]).counts
    expect(formatQuickviewText(q)).toMatch(
      /Base image │ {2}registry\.example\/library\/debian-base:bookworm {2}│ {2}\(not analysed\)$/m,
    )
  })

  it('markdown: escaped cells, the delta beside each count', () => {
    const md = formatQuickviewMarkdown(quickview())
    expect(md).toContain(
      '| Refreshed base image | `registry.example/library/debian-base:bookworm` | `feedbeeffeed` | 0 | 0 (-2) | 5 | 7 (-2) | 1 |',
    )
    const q = quickview()
    q.notes = ['a | pipe']
    expect(formatQuickviewMarkdown(q)).toContain('> **Note:** a \\| pipe')
  })

  it('json: the object itself', () => {
    expect(JSON.parse(formatQuickviewJson(quickview()))).toEqual(quickview())
  })
})

describe('recommendations text', () => {
  const text = formatRecommendationsText(recommendations())
  const lines = text.split('\n')

  it('Scout’s sections in order', () => {
    const order = ['## Recommended fixes', 'Refresh base image', 'Change base image'].map((h) => lines.indexOf(h))
    expect(order.every((i) => i > 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(lines).toContain(`  Base image is  ${BASE_NAME}`)
    expect(lines).toContain(
      "  Detected from its layers (the longest matching layer prefix in the catalogue). The image's bottom 1 layer is the base image's.",
    )
    expect(lines).toContain(
      '  Rebuild the image using a newer base image version. Updating this may result in breaking changes.',
    )
  })

  it('the current base’s details', () => {
    expect(lines).toContain('  Name            │  bookworm')
    expect(lines).toContain(`  Digest          │  ${CURRENT.digest}`)
    expect(lines).toContain('  Vulnerabilities │    0C     2H     5M     9L     1?')
    expect(lines).toContain('  Pushed          │ 2024-05-13')
    expect(lines).toContain('  Size            │ 75 MB')
    expect(lines).toContain('  Packages        │ 125')
    expect(lines).toContain('  Flavor          │ default')
    expect(lines).toContain('  OS              │ debian 12')
  })

  it('the target digest is shortened to 12 hex characters', () => {
    expect(lines).toContain('    digest │  ab12cd34ab12')
    expect(text).not.toContain(TARGET_DIGEST)
  })

  it('every benefit, every also-known-as tag and the image details appear', () => {
    for (const o of [REFRESHED, SLIM, BACKPORTS]) {
      for (const b of o.benefits) expect(text).toMatch(new RegExp(`│ • ${b.replace(/[()]/g, '\\$&')} +│`))
      for (const t of o.alsoKnownAs) expect(text).toMatch(new RegExp(`^ {2}• ${t.replace(/\./g, '\\.')} +│`, 'm'))
    }
    expect(text).toContain('• Size: 30 MB (-45 MB)')
    expect(text).toContain('• Packages: 73 (-52)')
    expect(text).toContain('• Flavor: slim')
    expect(text).toContain('• Runtime: perl 5.38.2 (from 5.36.0, minor update)')
    expect(text).toMatch(/^ {2}Minor runtime version update +│/m)
    expect(text).toMatch(/^ {2}Newer image for same tag +│/m)
  })

  it('each option’s delta row lines up under its counts, blank where the delta is 0', () => {
    for (const o of [REFRESHED, SLIM, BACKPORTS]) {
      const at = lines.findIndex((l) => l.startsWith(`   ${o.tag} `))
      expect(at, o.tag).toBeGreaterThan(-1)
      expect(lines[at]).toContain(`│ ${o.image.firstSeen.slice(0, 10)} `)
      expectDeltaUnder(lines[at] as string, lines[at + 1] as string, o.counts, o.delta)
    }
  })

  it('only-refresh drops the Change base image section; empty sections are omitted', () => {
    const only = formatRecommendationsText(onlyRefresh())
    expect(only).toContain('Refresh base image')
    expect(only).not.toContain('Change base image')
    const r = recommendations()
    delete r.refreshed
    const onlyUpdate = formatRecommendationsText(r)
    expect(onlyUpdate).not.toContain('Refresh base image')
    expect(onlyUpdate).toContain('Change base image')
  })

  it('a base nothing has analysed: `(not analysed)`, no options', () => {
    const out = formatRecommendationsText(notAnalysedRecommendations())
    expect(out).toContain('  Vulnerabilities │ (not analysed)')
    expect(out).toContain('  Detected from the provenance attestation.')
    expect(out).not.toMatch(/Refresh base image|Change base image|Pushed/)
  })

  it('no base: the target and the note only', () => {
    const r = notAnalysedRecommendations()
    delete r.base
    r.notes = ['No base image found: no label, no provenance, and no catalogued image shares its bottom layers.']
    const out = formatRecommendationsText(r)
    expect(out).not.toContain('## Recommended fixes')
    expect(out).toContain(`    i ${r.notes[0]}`)
  })

  it('markdown: every benefit, the delta beside the counts, pipes escaped', () => {
    const md = formatRecommendationsMarkdown(recommendations())
    for (const o of [REFRESHED, SLIM, BACKPORTS]) for (const b of o.benefits) expect(md).toContain(`• ${b}`)
    expect(md).toContain('| 2024-06-27 | 0C 0H 5M 7L 1?<br>-2H -2L |')
    expect(md).toContain('| Vulnerabilities | 0C 2H 5M 9L 1? |')
    const r = recommendations()
    ;(r.updated[0] as BaseOption).benefits.push('a | b')
    expect(formatRecommendationsMarkdown(r)).toContain('• a \\| b')
  })

  it('json: the object itself', () => {
    expect(JSON.parse(formatRecommendationsJson(recommendations()))).toEqual(recommendations())
  })
})
