import { openSource, parseImageRef } from '../image/index.js'
import { ShipshapeError } from '../internal/index.js'
import { type PackageKind, type Platform, parsePlatform, type Sbom } from '../model/index.js'
import { encodeCycloneDx } from '../sbom/formats/cyclonedx-json/index.js'
import { encodeSpdx } from '../sbom/formats/spdx-json/index.js'
import { encodeList, encodeNativeJson, resolveSbom } from '../sbom/index.js'
import type { Io } from './main.js'
import { writeAllOrNothing } from './output-files.js'
import { plainProgress, terminalProgress } from './progress.js'

const FORMATS = {
  list: { ext: '.txt', encode: encodeList },
  json: { ext: '.json', encode: encodeNativeJson },
  cyclonedx: { ext: '.cdx.json', encode: encodeCycloneDx },
  spdx: { ext: '.spdx.json', encode: encodeSpdx },
} as const satisfies Record<string, { ext: string; encode: (s: Sbom) => string }>

type Format = keyof typeof FORMATS

/** Scout and purl type names are accepted beside our own kind names. */
export const TYPE_ALIASES: Record<string, PackageKind> = {
  deb: 'deb',
  apk: 'apk',
  rpm: 'rpm',
  npm: 'npm',
  python: 'python',
  pypi: 'python',
  java: 'java',
  maven: 'java',
  golang: 'go-module',
  go: 'go-module',
  'go-module': 'go-module',
  cargo: 'rust-crate',
  rust: 'rust-crate',
  'rust-crate': 'rust-crate',
  gem: 'gem',
  composer: 'composer',
  nuget: 'nuget',
}

export function parsePlatformFlag(v: unknown): Platform | undefined {
  if (v === undefined) return undefined
  const p = parsePlatform(String(v))
  if (!p) throw new ShipshapeError('USAGE', `--platform must look like os/arch[/variant], not ${JSON.stringify(v)}`)
  return p
}

export function outputPaths(formats: Format[], output: string | undefined): (string | undefined)[] {
  if (formats.length === 1) return [output]
  if (!output) throw new ShipshapeError('USAGE', 'several formats need --output FILE (one file is written per format)')
  const base = output.replace(/\.json$/, '')
  return formats.map((f) => `${base}${FORMATS[f].ext}`)
}

export async function runSbom(image: string, opts: Record<string, unknown>, io: Io): Promise<number> {
  const formats = ((opts.format as string[] | undefined) ?? ['list']).map((f) => {
    if (!(f in FORMATS))
      throw new ShipshapeError('USAGE', `unknown --format ${JSON.stringify(f)}; use ${Object.keys(FORMATS).join(', ')}`)
    return f as Format
  })
  const unique = [...new Set(formats)]
  const kinds = (opts.onlyPackageType as string[] | undefined)?.map((t) => {
    const k = TYPE_ALIASES[t.toLowerCase()]
    if (!k)
      throw new ShipshapeError(
        'USAGE',
        `unknown --only-package-type ${JSON.stringify(t)}; use ${Object.keys(TYPE_ALIASES).join(', ')}`,
      )
    return k
  })
  const paths = outputPaths(unique, opts.output as string | undefined)
  const quiet = opts.quiet === true
  const interactive = !quiet && io.stderr.isTTY === true
  let totals = { layers: 0, bytes: 0 }
  const progress = interactive
    ? terminalProgress(io.stderr, () => totals)
    : plainProgress(io.stderr, opts.debug === true)

  progress.stage('Resolving image')
  const { openOptions, sbomSourceOf } = await import('./scan.js')
  const source = await openSource(parseImageRef(image), openOptions(opts, io))
  if (source.kind === 'image')
    totals = { layers: source.image.layers.length, bytes: source.image.layers.reduce((n, l) => n + l.size, 0) }
  let sbom: Sbom
  try {
    const r = await resolveSbom(
      source,
      {
        sbomSource: sbomSourceOf(opts),
        ...(kinds ? { onlyKinds: kinds } : {}),
        onProgress: (i, done) => progress.layer(i, done, 0),
        onStage: (s) => progress.stage(s === 'reading' ? 'Reading layers' : 'Cataloging packages'),
      },
      undefined,
    )
    sbom = r.sbom
  } finally {
    progress.done()
  }
  if (interactive || opts.debug === true)
    for (const issue of sbom.issues)
      progress.warn(
        `${issue.message}${issue.location ? ` (${issue.location.path}, layer ${issue.location.layerIndex})` : ''}`,
      )
  const outputs = unique.map((f, i) => ({ path: paths[i], content: FORMATS[f].encode(sbom) }))
  const toFiles = outputs.filter((o): o is { path: string; content: string } => o.path !== undefined && o.path !== '-')
  writeAllOrNothing(toFiles)
  for (const o of outputs) if (o.path === undefined || o.path === '-') io.stdout.write(o.content)
  return 0
}
