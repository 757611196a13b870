import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  adviseBase,
  type BaseAdvice,
  BaseCatalogue,
  buildQuickview,
  buildRecommendations,
  catalogueCounts,
  type DetectedBase,
  detectBase,
  fromBase,
  splitImageName,
} from '../analysis/index.js'
import { ShipshapeError } from '../internal/index.js'
import type { Finding, Report, Sbom } from '../model/index.js'
import {
  formatQuickviewJson,
  formatQuickviewMarkdown,
  formatQuickviewText,
  formatRecommendationsJson,
  formatRecommendationsMarkdown,
  formatRecommendationsText,
} from '../output/index.js'
import { cacheDir, type StoreReader } from '../vulndb/index.js'
import type { Io } from './main.js'
import { writeAllOrNothing } from './output-files.js'

/** The catalogue lives beside the SBOM cache: it is a cache of what `base index` analysed. */
export function cataloguePath(opts: Record<string, unknown>): string {
  return join(cacheDir(opts.cacheDir as string | undefined), 'base-images.db')
}

export function openCatalogue(opts: Record<string, unknown>): BaseCatalogue {
  return new BaseCatalogue(cataloguePath(opts))
}

/** The catalogue when `base index` has made one; commands that only read it do not create it. */
export function existingCatalogue(opts: Record<string, unknown>): BaseCatalogue | undefined {
  return existsSync(cataloguePath(opts)) ? openCatalogue(opts) : undefined
}

export interface BaseView {
  base?: DetectedBase
  advice?: BaseAdvice
}

/** Detects the base of an analysed image and, when the catalogue knows it, the refresh and update advice. */
export function baseView(
  sbom: Sbom,
  catalogue: BaseCatalogue | undefined,
  db: StoreReader,
  opts: { tag?: RegExp } = {},
): BaseView {
  const base = detectBase(sbom, catalogue)
  if (!base) return {}
  if (!catalogue) return { base }
  const advice = adviseBase(base, catalogue, catalogueCounts(catalogue, db), opts)
  return { base, advice }
}

/** `cves --only-base` / `--ignore-base`: findings of packages the base brought, or of the image's own layers. */
export function splitFindings(r: Report, base: DetectedBase | undefined, which: 'base' | 'own'): Finding[] {
  if (base?.layers === undefined)
    throw new ShipshapeError(
      'NOT_FOUND',
      `cannot tell base layers from the image's own: ${base ? `the base ${base.repository} is not in the catalogue` : 'no base image found'}; run \`shipshape base index BASE_IMAGE\` first`,
      { where: r.sbom.target.ref },
    )
  return r.findings.filter((f) => fromBase(f.package, base) === (which === 'base'))
}

function formatOf(opts: Record<string, unknown>): 'text' | 'markdown' | 'json' {
  const f = typeof opts.format === 'string' ? opts.format : 'text'
  if (f !== 'text' && f !== 'markdown' && f !== 'json')
    throw new ShipshapeError('USAGE', `unknown --format ${JSON.stringify(f)}; use text, markdown, json`)
  return f
}

function emit(content: string, opts: Record<string, unknown>, io: Io): void {
  const out = opts.output as string | undefined
  if (out && out !== '-') writeAllOrNothing([{ path: out, content }])
  else io.stdout.write(content)
}

export function writeQuickview(r: Report, view: BaseView, opts: Record<string, unknown>, io: Io): void {
  const q = buildQuickview(r, view.base, view.advice)
  const f = formatOf(opts)
  emit(
    f === 'json' ? formatQuickviewJson(q) : f === 'markdown' ? formatQuickviewMarkdown(q) : formatQuickviewText(q),
    opts,
    io,
  )
}

export function tagFilter(opts: Record<string, unknown>): RegExp | undefined {
  if (typeof opts.tag !== 'string') return undefined
  try {
    return new RegExp(opts.tag)
  } catch (e) {
    throw new ShipshapeError('USAGE', `--tag is not a regular expression: ${(e as Error).message}`)
  }
}

export function writeRecommendations(r: Report, view: BaseView, opts: Record<string, unknown>, io: Io): void {
  if (opts.onlyRefresh === true && opts.onlyUpdate === true)
    throw new ShipshapeError('USAGE', '--only-refresh and --only-update exclude each other')
  const rec = buildRecommendations(r, view.base, view.advice, {
    onlyRefresh: opts.onlyRefresh === true,
    onlyUpdate: opts.onlyUpdate === true,
  })
  const f = formatOf(opts)
  emit(
    f === 'json'
      ? formatRecommendationsJson(rec)
      : f === 'markdown'
        ? formatRecommendationsMarkdown(rec)
        : formatRecommendationsText(rec),
    opts,
    io,
  )
}

/** Repository and tag an image is catalogued under: `--as NAME[:TAG]`, else the name and tag the source records. */
export function catalogueName(sbom: Sbom, as: unknown): { repository: string; tag?: string } {
  if (typeof as === 'string' && as !== '') {
    const n = splitImageName(as)
    return n.tag
      ? { repository: n.repository, tag: n.tag }
      : { repository: n.repository, ...(sbom.target.tags[0] ? { tag: sbom.target.tags[0] } : {}) }
  }
  const name = sbom.target.name
  if (!name)
    throw new ShipshapeError('USAGE', `${sbom.target.ref} records no repository name; give one with --as NAME[:TAG]`)
  const tag = sbom.target.tags[0]
  return tag ? { repository: name, tag } : { repository: name }
}

/**
 * `base index REF…` and `base index --repository registry://HOST/REPO`: analyse images and add them to the
 * catalogue. A repository is crawled tag by tag through the registry API; a tag whose digest the catalogue already
 * holds under that tag is skipped, so a re-run reads only what changed.
 */
export async function runBaseIndex(refs: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  const { sbomFor, openOptions } = await import('./scan.js')
  const repos = (opts.repository as string[] | undefined) ?? []
  if (refs.length === 0 && repos.length === 0)
    throw new ShipshapeError('USAGE', 'base index needs image references or --repository registry://HOST/REPO')
  if (opts.as !== undefined && refs.length !== 1)
    throw new ShipshapeError('USAGE', '--as names one image; give exactly one reference with it')
  const catalogue = openCatalogue(opts)
  const say = (s: string) => {
    if (opts.quiet !== true) io.stdout.write(`${s}\n`)
  }
  try {
    for (const ref of refs) {
      const sbom = await sbomFor(ref, { ...opts, quiet: true }, io)
      const { repository, tag } = catalogueName(sbom, opts.as)
      const img = catalogue.add(sbom, repository, tag)
      say(`indexed ${repository}${tag ? `:${tag}` : ''} ${img.digest} (${img.packages} packages, ${img.flavour})`)
    }
    if (repos.length > 0) {
      const { RegistryClient, parseRegistryReference } = await (await import('../image/index.js')).loadRegistry()
      const ro = openOptions(opts, io).registry ?? {}
      const client = new RegistryClient(ro)
      try {
        for (const raw of repos) {
          const name = raw.replace(/^registry:\/\//, '')
          const r = parseRegistryReference(name)
          if (/[:@]/.test(name.slice(name.lastIndexOf('/') + 1)))
            throw new ShipshapeError('USAGE', `--repository takes a repository without tag: ${raw}`)
          const repository = `${r.registry}/${r.repository}`
          const only = tagFilter(opts)
          const tags = (await client.listTags(r.registry, r.repository)).filter((t) => !only || only.test(t))
          let added = 0
          for (const tag of tags) {
            const m = await client.getManifest(r.registry, r.repository, tag)
            if (catalogue.has(repository, tag, m.digest)) continue
            const sbom = await sbomFor(`registry://${repository}:${tag}`, { ...opts, quiet: true }, io)
            const img = catalogue.add(sbom, repository, tag)
            added++
            say(`indexed ${repository}:${tag} ${img.digest} (${img.packages} packages, ${img.flavour})`)
          }
          say(`${repository}: ${tags.length} tags, ${added} new`)
        }
      } finally {
        await client.close()
      }
    }
    return 0
  } finally {
    catalogue.close()
  }
}

/** `base list`: what the catalogue holds, by repository and tag. */
export async function runBaseList(opts: Record<string, unknown>, io: Io): Promise<number> {
  const catalogue = openCatalogue(opts)
  try {
    const rows = catalogue.repositories().flatMap((repo) =>
      catalogue.inRepository(repo).map((i) => ({
        repository: repo,
        tags: i.tags,
        digest: i.digest,
        firstSeen: i.firstSeen,
        os: i.os ? [i.os.id, i.os.versionId].filter(Boolean).join(' ') : '',
        flavour: i.flavour,
        packages: i.packages,
        size: i.size,
        layers: i.diffIds.length,
      })),
    )
    if (opts.format === 'json') {
      io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
      return 0
    }
    for (const r of rows)
      io.stdout.write(
        `${r.repository}:${r.tags.join(',') || '<untagged>'}  ${r.digest.slice(7, 19)}  ${r.os}  ${r.flavour}  ${r.packages} packages  ${(r.size / 1e6).toFixed(1)} MB  ${r.layers} layers  first seen ${r.firstSeen}\n`,
      )
    if (rows.length === 0)
      io.stdout.write('the base-image catalogue is empty; add images with `shipshape base index REF`\n')
    return 0
  } finally {
    catalogue.close()
  }
}

/** `recommendations IMAGE`: Scout's refresh and update advice for the image's base. */
export async function runRecommendations(image: string, opts: Record<string, unknown>, io: Io): Promise<number> {
  const { sbomFor, openDb } = await import('./scan.js')
  const { buildReport } = await import('../analysis/index.js')
  const tag = tagFilter(opts)
  const db = openDb(opts)
  const catalogue = existingCatalogue(opts)
  try {
    const report = buildReport(await sbomFor(image, opts, io), db)
    writeRecommendations(report, baseView(report.sbom, catalogue, db, tag ? { tag } : {}), opts, io)
    return 0
  } finally {
    catalogue?.close()
    db.close()
  }
}
