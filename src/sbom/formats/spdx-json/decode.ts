import type { Distro, Package, Sbom, ScanIssue } from '../../../model/index.js'
import {
  contact,
  DEFAULT_SBOM_REF,
  type DecodeOptions,
  distroFromElement,
  distroFromPurls,
  type Element,
  type ElementContext,
  isObject,
  issuesFrom,
  type JsonObject,
  layerIndex,
  oneLine,
  PropertyBag,
  packageFromElement,
  parseJson,
  parsePurl,
  splitToolVersion,
  str,
  targetFrom,
  unsupported,
} from '../cyclonedx-json/decode.js'
import type { DecodeResult } from '../native-json/index.js'

const SOURCE = 'spdx-json'
const DOCUMENT = 'SPDXRef-DOCUMENT'

/** `NOASSERTION` and `NONE` say nothing. */
function asserted(v: unknown): string | undefined {
  const s = str(v)
  return s === undefined || s === 'NOASSERTION' || s === 'NONE' ? undefined : s
}

/** Annotations (`name: value` comments: ours, trivy's) and trivy's older attribution texts. */
function propsOf(p: JsonObject): PropertyBag {
  const bag = new PropertyBag()
  if (Array.isArray(p.annotations))
    for (const a of p.annotations) if (isObject(a) && str(a.comment)) bag.addText(a.comment as string)
  if (Array.isArray(p.attributionTexts)) for (const t of p.attributionTexts) if (typeof t === 'string') bag.addText(t)
  return bag
}

function purlOf(p: JsonObject): string | undefined {
  if (!Array.isArray(p.externalRefs)) return undefined
  for (const r of p.externalRefs) {
    if (isObject(r) && r.referenceType === 'purl' && str(r.referenceLocator))
      return (r.referenceLocator as string).trim()
  }
  return undefined
}

/** `Organization: Name (mail)`, `Person: Name <mail>` → `Name <mail>`. */
function agent(v: unknown): string | undefined {
  const s = asserted(v)
  if (!s) return undefined
  const body = s.replace(/^(Organization|Person|Tool):\s*/, '')
  const m = /^(.*?)\s*[(<]([^()<>\s]+@[^()<>\s]+)[)>]\s*$/.exec(body)
  return m ? contact(m[1], m[2]) : contact(body, undefined)
}

/**
 * The declared license: an SPDX expression, whose `LicenseRef-`s are the document's extracted texts (how we and
 * others keep licenses that are not SPDX ids). Several AND-ed terms without parentheses are split back.
 */
function licensesOf(p: JsonObject, extracted: Map<string, string>): string[] {
  const declared = asserted(p.licenseDeclared) ?? asserted(p.licenseConcluded)
  if (!declared) return []
  const resolve = (t: string) => extracted.get(t) ?? t
  if (extracted.has(declared)) return [resolve(declared)]
  if (!/[()]/.test(declared) && / AND /.test(declared))
    return [...new Set(declared.split(' AND ').map((t) => resolve(t.trim())))]
  return [declared.replace(/LicenseRef-[A-Za-z0-9.-]+/g, resolve)]
}

/**
 * What `sourceInfo` says in the wordings we know: trivy's (and ours) `built package from: NAME VERSION`, syft's
 * `acquired package info from …: PATH, PATH`.
 */
function fromSourceInfo(s: string | undefined): { source?: { name: string; version?: string }; paths: string[] } {
  if (!s) return { paths: [] }
  const out: { source?: { name: string; version?: string }; paths: string[] } = { paths: [] }
  const built = /built package from:\s*(\S+)(?:\s+([^\s;]+))?/.exec(s)
  if (built) out.source = built[2] ? { name: built[1] as string, version: built[2] } : { name: built[1] as string }
  const acquired = /^acquired package info from [^:]*:\s*(.+)$/.exec(s.trim())
  if (acquired)
    out.paths = (acquired[1] as string)
      .split(/,\s*/)
      .map((x) => x.trim())
      .filter((x) => x.startsWith('/'))
  return out
}

function isOs(p: JsonObject): boolean {
  const purpose = str(p.primaryPackagePurpose)
  return (
    purpose === 'OPERATING_SYSTEM' ||
    purpose === 'OPERATING-SYSTEM' ||
    (str(p.SPDXID) ?? '').startsWith('SPDXRef-OperatingSystem')
  )
}

function toolOf(doc: JsonObject): { name: string; version: string } | undefined {
  const creators =
    isObject(doc.creationInfo) && Array.isArray(doc.creationInfo.creators) ? doc.creationInfo.creators : []
  for (const c of creators) {
    if (typeof c !== 'string') continue
    const m = /^Tool:\s*(.+)$/.exec(c.trim())
    if (m) return splitToolVersion(m[1] as string)
  }
  return undefined
}

/** Decodes an SPDX 2.2 / 2.3 JSON document (ours, syft's, trivy's, Docker Scout's…) into the native SBOM. */
export function decodeSpdx(text: string, options: DecodeOptions = {}): DecodeResult {
  const j = parseJson(text)
  if (!j.ok) return j
  return decodeSpdxDocument(j.value, options)
}

/** The same, from the parsed document. Never throws: a document it cannot read is `{ ok: false, error }`. */
export function decodeSpdxDocument(doc: unknown, options: DecodeOptions = {}): DecodeResult {
  try {
    return decode(doc, options)
  } catch (e) {
    return { ok: false, error: oneLine(`SPDX: ${(e as Error).message}`) }
  }
}

function decode(doc: unknown, options: DecodeOptions): DecodeResult {
  if (!isObject(doc)) return { ok: false, error: 'not an SPDX document: not a JSON object' }
  const version = doc.spdxVersion
  if (typeof version !== 'string') {
    if ('@context' in doc)
      return { ok: false, error: 'SPDX 3 (JSON-LD) documents are not supported: only SPDX 2.2 and 2.3' }
    return { ok: false, error: 'not an SPDX document: no "spdxVersion"' }
  }
  if (!/^SPDX-2\.\d+$/.test(version))
    return { ok: false, error: oneLine(`SPDX version ${version} is not supported: only SPDX 2.2 and 2.3`) }
  if (doc.packages !== undefined && !Array.isArray(doc.packages))
    return { ok: false, error: 'not a valid SPDX document: packages is not an array' }
  if (doc.relationships !== undefined && !Array.isArray(doc.relationships))
    return { ok: false, error: 'not a valid SPDX document: relationships is not an array' }

  const ref = options.ref ?? DEFAULT_SBOM_REF
  const tool = toolOf(doc) ?? { name: 'unknown', version: '' }
  const list = (doc.packages as unknown[] | undefined) ?? []
  const issues: ScanIssue[] = []
  const byId = new Map<string, JsonObject>()
  list.forEach((p, i) => {
    if (!isObject(p)) issues.push(unsupported(`SPDX packages[${i}] is not an object`, SOURCE))
    else if (str(p.SPDXID)) byId.set(p.SPDXID as string, p)
  })

  // What the document describes (the image), and which packages are the sources of others (Docker Scout lists
  // source packages and links them by GENERATED_FROM): those are not packages of the image.
  const described: string[] = Array.isArray(doc.documentDescribes)
    ? doc.documentDescribes.filter((x): x is string => typeof x === 'string')
    : []
  const sourceOf = new Map<string, string>()
  for (const r of (doc.relationships as unknown[] | undefined) ?? []) {
    if (!isObject(r)) continue
    const a = str(r.spdxElementId)
    const b = str(r.relatedSpdxElement)
    const type = str(r.relationshipType)
    if (!a || !b || !type) continue
    if (type === 'DESCRIBES' && a === DOCUMENT) described.push(b)
    else if (type === 'DESCRIBED_BY' && b === DOCUMENT) described.push(a)
    else if (type === 'GENERATED_FROM') sourceOf.set(a, b)
    else if (type === 'GENERATES') sourceOf.set(b, a)
  }
  const sources = new Set(sourceOf.values())
  const rootId = described.find((id) => byId.has(id))
  const root = rootId ? byId.get(rootId) : undefined

  const target = targetFrom(
    root
      ? { name: str(root.name), version: str(root.versionInfo), purl: purlOf(root), props: propsOf(root) }
      : undefined,
    ref,
    str(doc.name),
  )
  const layers = layerIndex(target)
  const docProps = new PropertyBag()
  if (Array.isArray(doc.annotations))
    for (const a of doc.annotations) if (isObject(a) && str(a.comment)) docProps.addText(a.comment as string)
  issues.unshift(...issuesFrom(docProps, layers))

  const extracted = new Map<string, string>()
  if (Array.isArray(doc.hasExtractedLicensingInfos)) {
    for (const x of doc.hasExtractedLicensingInfos) {
      if (!isObject(x) || !str(x.licenseId)) continue
      const text = str(x.extractedText) ?? str(x.name)
      if (text) extracted.set(x.licenseId as string, text)
    }
  }

  let distro: Distro | undefined
  const candidates: Element[] = []
  for (const p of list) {
    if (!isObject(p)) continue
    const id = str(p.SPDXID) ?? ''
    const props = propsOf(p)
    const e: Element = { ref: id || '(no SPDXID)', props, licenses: licensesOf(p, extracted), paths: [] }
    const name = str(p.name)
    if (name) e.name = name
    const v = asserted(p.versionInfo)
    if (v) e.version = v
    const purl = purlOf(p)
    if (purl) e.purl = purl
    if (isOs(p)) {
      const desc = str(p.description)
      distro ??= distroFromElement({ ...e, ...(desc ? { description: desc } : {}) }, 'SPDX operating-system package')
      continue
    }
    if (described.includes(id) || sources.has(id)) continue
    // trivy's grouping packages (a lockfile, an OS's packages) and whole files are not packages.
    if (!purl && (id.startsWith('SPDXRef-Application-') || str(p.primaryPackagePurpose) === 'FILE')) continue
    const supplier = agent(p.supplier) ?? agent(p.originator)
    if (supplier) e.supplier = supplier
    const home = asserted(p.homepage)
    if (home) e.homepage = home
    const info = fromSourceInfo(str(p.sourceInfo))
    e.paths = info.paths
    const generatedFrom = sourceOf.get(id)
    const src = generatedFrom ? byId.get(generatedFrom) : undefined
    if (src && str(src.name)) {
      const sv = asserted(src.versionInfo)
      e.source = sv ? { name: src.name as string, version: sv } : { name: src.name as string }
    } else if (info.source) e.source = info.source
    candidates.push(e)
  }
  distro ??= distroFromPurls(
    candidates.map((e) => (e.purl ? parsePurl(e.purl) : undefined)),
    'purl distro qualifier',
  )

  const ctx: ElementContext = {
    format: SOURCE,
    ref,
    own: tool.name === 'shipshape',
    tool: tool.version ? `${tool.name}/${tool.version}` : tool.name,
    layers,
  }
  if (distro) ctx.distro = distro
  const packages: Package[] = []
  const seen = new Set<string>()
  for (const e of candidates) {
    const r = packageFromElement(e, ctx)
    if (!r.ok) {
      issues.push(unsupported(`SPDX package ${r.message}`, SOURCE))
      continue
    }
    if (seen.has(r.pkg.id)) continue
    seen.add(r.pkg.id)
    packages.push(r.pkg)
  }

  const created = isObject(doc.creationInfo) ? str(doc.creationInfo.created) : undefined
  const sbom: Sbom = {
    schemaVersion: 1,
    target,
    packages,
    issues,
    tool: { name: tool.name, version: tool.version, catalogers: {} },
    createdAt: created ?? '',
  }
  if (distro) sbom.distro = distro
  return { ok: true, sbom }
}
