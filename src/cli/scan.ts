import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type OpenOptions, openSource, parseImageRef } from '../image/index.js'
import { ShipshapeError } from '../internal/index.js'
import type { Sbom } from '../model/index.js'
import { SbomCache } from '../sbom/cache.js'
import { decodeSbom, resolveSbom, type SbomSource } from '../sbom/index.js'
import { cacheDir, dbPath, loadRegistryConfig, StoreReader } from '../vulndb/index.js'
import type { Io } from './main.js'
import { plainProgress, terminalProgress } from './progress.js'
import { parsePlatformFlag } from './sbom.js'

export function sbomSourceOf(opts: Record<string, unknown>): SbomSource {
  const v = opts.sbomSource ?? 'auto'
  if (v !== 'auto' && v !== 'scan' && v !== 'attestation')
    throw new ShipshapeError('USAGE', `--sbom-source takes auto, attestation or scan, not ${JSON.stringify(v)}`)
  return v
}

/** How to reach registries and engines, from the flags and the environment (credentials never logged). */
export function openOptions(opts: Record<string, unknown>, io: Io): OpenOptions {
  const platform = parsePlatformFlag(opts.platform)
  const root = cacheDir(opts.cacheDir as string | undefined)
  const debug = opts.debug === true ? (line: string) => void io.stderr.write(`debug: ${line}\n`) : undefined
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
  const username = str(opts.username)
  const password = str(opts.password)
  const caFile = str(opts.registryCa)
  const conf = loadRegistryConfig({ ...(str(opts.config) ? { configFile: str(opts.config) as string } : {}) })
  return {
    ...(platform ? { platform } : {}),
    registry: {
      insecure: [...conf.insecure, ...((opts.insecureRegistry as string[] | undefined) ?? [])],
      mirrors: conf.mirrors,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(caFile !== undefined ? { caFile } : {}),
      cacheDir: root,
      ...(debug ? { debug } : {}),
    },
    engine: { cacheDir: root, ...(debug ? { debug } : {}) },
  }
}

/** The SBOM of an image reference (read through the SBOM cache) or of an `sbom://` file, with progress on stderr. */
export async function sbomFor(image: string, opts: Record<string, unknown>, io: Io): Promise<Sbom> {
  const ref = parseImageRef(image)
  if (ref.kind === 'sbom') {
    const d = decodeSbom(readFileSync(ref.path, 'utf8'), { ref: ref.raw })
    if (!d.ok) throw new ShipshapeError('NOT_AN_IMAGE', d.error, { where: ref.path })
    return d.sbom
  }
  const interactive = opts.quiet !== true && io.stderr.isTTY === true
  let totals = { layers: 0, bytes: 0 }
  const progress = interactive
    ? terminalProgress(io.stderr, () => totals)
    : plainProgress(io.stderr, opts.debug === true)
  progress.stage('Resolving image')
  const source = await openSource(ref, openOptions(opts, io))
  if (source.kind === 'image')
    totals = { layers: source.image.layers.length, bytes: source.image.layers.reduce((n, l) => n + l.size, 0) }
  // SBOMs of images are kept by image digest and cataloger versions: a second scan reads no layer.
  const cache =
    opts.cache === false ? undefined : new SbomCache(join(cacheDir(opts.cacheDir as string | undefined), 'sbom'))
  try {
    const r = await resolveSbom(
      source,
      {
        sbomSource: sbomSourceOf(opts),
        onProgress: (i, done) => progress.layer(i, done, 0),
        onStage: (s) => progress.stage(s === 'reading' ? 'Reading layers' : 'Cataloging packages'),
      },
      cache,
    )
    if (r.storeError) progress.warn(`SBOM not cached: ${r.storeError}`)
    return r.sbom
  } finally {
    progress.done()
  }
}

export function openDb(opts: Record<string, unknown>): StoreReader {
  const path = dbPath(cacheDir(opts.cacheDir as string | undefined))
  try {
    return new StoreReader(path)
  } catch (e) {
    if (e instanceof ShipshapeError && /unable to open|does not exist|SQLITE_CANTOPEN/i.test(e.message)) {
      throw new ShipshapeError(
        'DB_MISSING',
        'no vulnerability DB yet; run `shipshape db update` (or `db import FILE`)',
        { where: path },
      )
    }
    throw e
  }
}
