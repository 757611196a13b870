import type { FileInfo } from '../../../filetree/index.js'
import type { LanguageMetadata, Package, ScanIssue } from '../../../model/index.js'
import type { CatalogContext, Cataloger, CatalogResult } from '../../cataloger.js'
import { packageId } from '../../ids.js'
import { makePurl } from '../../purl.js'
import { GO_BUILDINFO_INSPECTOR, type GoBuildInfoRaw, goBuildInfoInspector, UNSUPPORTED_PREFIX } from './buildinfo.js'
import { type GoBuildInfo, type GoModule, parseModinfo } from './modinfo.js'

const NAME = 'go-binary'
const VERSION = 1

export type GoModuleRole = 'stdlib' | 'main' | 'dependency'

/** `pkg:golang/github.com/gorilla/mux@v1.8.0`: the module path's last element is the purl name. */
export function goPurl(path: string, version: string): string {
  const i = path.lastIndexOf('/')
  return i > 0
    ? makePurl('golang', path.slice(0, i), path.slice(i + 1), version)
    : makePurl('golang', undefined, path, version)
}

/**
 * A directory replacement (`=> ./fork`, `=> ../fork`, `=> /src/fork`): its path is a file path, and the go command
 * writes its version as `(devel)` (or nothing). Module paths never start with a dot or a slash.
 */
export function isLocalReplacement(r: GoModule): boolean {
  return r.version === '' || r.version === '(devel)' || /^(\.{1,2}[\\/]|[\\/]|[A-Za-z]:[\\/])/.test(r.path)
}

interface Entry {
  name: string
  version: string
  purl: string
  role: GoModuleRole
  extra: Record<string, unknown>
}

function entriesOf(raw: GoBuildInfoRaw, info: GoBuildInfo): Entry[] {
  const out: Entry[] = []
  // `go1.21.0 X:boringcrypto` → version go1.21.0 and the experiments kept aside; `devel …` has no release to name.
  const [toolchain = '', ...rest] = raw.goVersion.split(' ')
  if (/^go\d/.test(toolchain)) {
    const extra: Record<string, unknown> = {}
    if (rest.length) extra.goExperiments = rest.join(' ')
    out.push({ name: 'stdlib', version: toolchain, purl: goPurl('stdlib', toolchain.slice(2)), role: 'stdlib', extra })
  }
  if (info.main?.path) {
    const version = info.main.version || '(devel)'
    const extra: Record<string, unknown> = {}
    if (info.main.sum) extra.h1Digest = info.main.sum
    out.push({ name: info.main.path, version, purl: goPurl(info.main.path, version), role: 'main', extra })
  } else if (info.path && info.path !== 'command-line-arguments') {
    // A GOPATH build (every Debian Go package) names no module: the program is known by its main package's path,
    // at no version, like a module build's `(devel)` main module. `go build x.go` says command-line-arguments.
    const version = '(devel)'
    out.push({ name: info.path, version, purl: goPurl(info.path, version), role: 'main', extra: { gopathBuild: true } })
  }
  for (const d of info.deps) {
    if (!d.path) continue
    const extra: Record<string, unknown> = {}
    let name = d.path
    let version = d.version
    let sum = d.sum
    if (d.replace && isLocalReplacement(d.replace)) {
      // The code came from a directory: the module keeps its name, its required version says nothing.
      version = '(devel)'
      sum = ''
      extra.replacedBy = { path: d.replace.path }
      extra.requiredVersion = d.version
    } else if (d.replace) {
      name = d.replace.path
      version = d.replace.version
      sum = d.replace.sum
      extra.replaces = { path: d.path, version: d.version }
    }
    if (sum) extra.h1Digest = sum
    out.push({ name, version, purl: goPurl(name, version), role: 'dependency', extra })
  }
  return out
}

function issue(kind: ScanIssue['kind'], message: string, ctx: CatalogContext, path: string): ScanIssue {
  return { kind, message, location: ctx.files.location(path), source: NAME }
}

function packagesOf(
  ctx: CatalogContext,
  path: string,
  info: FileInfo,
  raw: GoBuildInfoRaw,
  issues: ScanIssue[],
): Package[] {
  const parsed = parseModinfo(raw.modinfo)
  for (const e of parsed.errors)
    issues.push(issue('parse-error', `${path}: Go module info ${e}; line skipped`, ctx, path))
  const settings = parsed.info.settings
  const setting = (k: string) => settings.find((s) => s.key === k)?.value
  const last = ctx.files.location(path)
  const intro = ctx.files.locationIn(path, info.firstLayer)
  const entries = entriesOf(raw, parsed.info)
  // Build settings go on the main module, or on stdlib for a GOPATH build that has none.
  const settingsOn: GoModuleRole = entries.some((e) => e.role === 'main') ? 'main' : 'stdlib'
  return entries.map((e) => {
    const metadata: LanguageMetadata = {
      kind: 'go-module',
      role: e.role,
      binary: path,
      goVersion: raw.goVersion,
      mainPackage: parsed.info.path,
      ...(parsed.info.main?.path ? { mainModule: parsed.info.main.path } : {}),
      ...(setting('GOARCH') ? { architecture: setting('GOARCH') } : {}),
      ...(setting('GOOS') ? { os: setting('GOOS') } : {}),
      ...e.extra,
      ...(e.role === settingsOn && settings.length
        ? { buildSettings: Object.fromEntries(settings.map((s) => [s.key, s.value])) }
        : {}),
      files: [path],
    }
    return {
      id: packageId('go-module', e.role, e.name, e.version, path),
      name: e.name,
      version: e.version,
      kind: 'go-module',
      purl: e.purl,
      introducedIn: intro,
      lastChangedIn: last,
      locations: [last],
      foundBy: `${NAME}/${VERSION}`,
      metadata,
    } satisfies Package
  })
}

/**
 * Go binaries (ELF, Mach-O, PE): the build info the linker embeds — the Go toolchain as a `stdlib` package, the
 * main module and every dependency module with its version and go.sum hash, replacements resolved. Read while
 * the layer streams past by `goBuildInfoInspector`; stripped binaries (`-s -w`) keep it.
 */
export const goBinaryCataloger: Cataloger = {
  name: NAME,
  version: VERSION,
  kinds: ['go-module'],
  wants: [],
  inspectors: [goBuildInfoInspector],
  catalog(ctx: CatalogContext): CatalogResult {
    const packages: Package[] = []
    const issues: ScanIssue[] = []
    for (const { path, info, result } of ctx.files.inspections(GO_BUILDINFO_INSPECTOR)) {
      if (!result.ok) {
        const kind = result.error.startsWith(UNSUPPORTED_PREFIX) ? 'unsupported-format' : 'parse-error'
        issues.push(issue(kind, `${path}: ${result.error}`, ctx, path))
        continue
      }
      if (!result.value) continue
      packages.push(...packagesOf(ctx, path, info, result.value as GoBuildInfoRaw, issues))
    }
    return { packages, issues }
  },
}
