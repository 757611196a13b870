import type { FileResolver } from '../../../filetree/index.js'
import type { LanguageMetadata, Package, ScanIssue } from '../../../model/index.js'
import type { CatalogContext, Cataloger, CatalogResult } from '../../cataloger.js'
import { packageId } from '../../ids.js'
import { makePurl } from '../../purl.js'
import { type AuditData, RUST_AUDIT_INSPECTOR, rustAuditInspector } from './audit.js'
import { parseCargoLock } from './cargo-lock.js'

const NAME = 'rust'
const VERSION = 1
const LOCKFILE_GLOB = '/**/Cargo.lock'
const LOCKFILE_CAP = 16 * 1024 * 1024

/** A plain directory (`fs://`): one layer without a diff_id. Lockfiles describe a build there, not an install. */
export function isDirectorySource(files: FileResolver): boolean {
  return files.layers.length === 1 && files.layers[0]?.diffId === undefined
}

function issue(kind: ScanIssue['kind'], message: string, files: FileResolver, path: string): ScanIssue {
  return { kind, message, location: files.location(path), source: NAME }
}

/** Crates compiled into one auditable binary: every `runtime` one (build-time crates are not in the binary). */
function binaryPackages(files: FileResolver, path: string, firstLayer: number, data: AuditData): Package[] {
  const last = files.location(path)
  const intro = files.locationIn(path, firstLayer)
  const label = (i: number) => {
    const p = data.packages[i]
    return p ? `${p.name} ${p.version}` : String(i)
  }
  const out: Package[] = []
  for (const p of data.packages) {
    if (p.kind !== 'runtime') continue
    const metadata: LanguageMetadata = {
      kind: 'rust-crate',
      binary: path,
      source: p.source,
      ...(p.root ? { root: true } : {}),
      ...(p.dependencies.length ? { dependencies: p.dependencies.map(label) } : {}),
      ...(data.format !== undefined ? { auditFormat: data.format } : {}),
      files: [path],
    }
    out.push({
      id: packageId('rust-crate', p.name, p.version, p.source, path),
      name: p.name,
      version: p.version,
      kind: 'rust-crate',
      purl: makePurl('cargo', undefined, p.name, p.version),
      introducedIn: intro,
      lastChangedIn: last,
      locations: [last],
      foundBy: `${NAME}/${VERSION}`,
      metadata,
    })
  }
  return out
}

function lockPackages(ctx: CatalogContext, issues: ScanIssue[]): Package[] {
  const files = ctx.files
  const out: Package[] = []
  for (const info of files.glob(LOCKFILE_GLOB)) {
    if (info.type !== 'file') continue
    const path = info.path
    const content = files.read(path)
    if (!content) {
      issues.push(issue('truncated-content', `${path} (${info.size} bytes) was not read; skipped`, files, path))
      continue
    }
    const { lock, errors } = parseCargoLock(content.toString('utf8'))
    for (const e of errors)
      issues.push(issue('parse-error', `${path}:${e.line}: ${e.message}; entry skipped`, files, path))
    const last = files.location(path)
    const intro = files.locationIn(path, info.firstLayer)
    for (const p of lock.packages) {
      const metadata: LanguageMetadata = {
        kind: 'rust-crate',
        lockfile: path,
        ...(p.source ? { source: p.source } : { source: 'local' }),
        ...(p.checksum ? { checksum: p.checksum } : {}),
        ...(p.dependencies.length ? { dependencies: p.dependencies } : {}),
      }
      out.push({
        id: packageId('rust-crate', p.name, p.version, p.source, path),
        name: p.name,
        version: p.version,
        kind: 'rust-crate',
        purl: makePurl('cargo', undefined, p.name, p.version),
        introducedIn: intro,
        lastChangedIn: last,
        locations: [last],
        foundBy: `${NAME}/${VERSION}`,
        metadata,
      })
    }
  }
  return out
}

/**
 * Rust: crates embedded by cargo-auditable in ELF binaries (`.dep-v0`, read as layers stream past by
 * `rustAuditInspector`), and for `fs://` directories the crates a `Cargo.lock` pins.
 */
export const rustCataloger: Cataloger = {
  name: NAME,
  version: VERSION,
  kinds: ['rust-crate'],
  wants: [{ globs: [LOCKFILE_GLOB], maxBytes: LOCKFILE_CAP }],
  inspectors: [rustAuditInspector],
  catalog(ctx: CatalogContext): CatalogResult {
    const packages: Package[] = []
    const issues: ScanIssue[] = []
    for (const { path, info, result } of ctx.files.inspections(RUST_AUDIT_INSPECTOR)) {
      if (!result.ok) {
        issues.push(issue('parse-error', `${path}: ${result.error}`, ctx.files, path))
        continue
      }
      if (result.value) packages.push(...binaryPackages(ctx.files, path, info.firstLayer, result.value as AuditData))
    }
    if (isDirectorySource(ctx.files)) packages.push(...lockPackages(ctx, issues))
    return { packages, issues }
  },
}
