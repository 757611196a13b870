import type { Distro, Location, Package, Sbom } from '../../../model/index.js'
import {
  assignLicenseRefs,
  classifyLicense,
  compareStrings,
  contentUuid,
  distroProperties,
  issueProperties,
  joinWithAnd,
  type LicenseClass,
  type Property,
  packageProperties,
  packageSupplier,
  parseContact,
  sortedLocations,
  sortedPackages,
  targetIdentity,
  targetProperties,
  utcSeconds,
} from '../common/index.js'
import { SPDX_LICENSE_LIST_VERSION } from '../common/license-list.js'

export const SPDX_VERSION = 'SPDX-2.3'

/**
 * Prefix of `documentNamespace`. SPDX wants a unique URI per document, conventionally under the creator's web
 * address; the URI need not resolve, and shipshape has no domain of its own, so the default is under the reserved
 * `.invalid` TLD (RFC 2606). Deployments can pass their own.
 */
export const DEFAULT_NAMESPACE_PREFIX = 'https://shipshape.invalid/spdxdocs'

export interface SpdxOptions {
  namespacePrefix?: string
}

type Purpose = 'CONTAINER' | 'FILE' | 'LIBRARY' | 'OPERATING_SYSTEM'

interface Annotation {
  annotationDate: string
  annotationType: 'OTHER'
  annotator: string
  comment: string
}

interface SpdxPackage {
  name: string
  SPDXID: string
  versionInfo?: string
  supplier?: string
  originator?: string
  downloadLocation: 'NOASSERTION'
  filesAnalyzed: false
  homepage?: string
  sourceInfo?: string
  licenseConcluded: 'NOASSERTION'
  licenseDeclared: string
  description?: string
  externalRefs?: { referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }[]
  primaryPackagePurpose: Purpose
  annotations?: Annotation[]
}

interface Relationship {
  spdxElementId: string
  relatedSpdxElement: string
  relationshipType: 'CONTAINS' | 'DESCRIBES'
}

/**
 * Encodes the SBOM as an SPDX 2.3 JSON document: the image is a `CONTAINER` package that the document DESCRIBES
 * and that CONTAINS the distro (an `OPERATING_SYSTEM` package) and every package. What SPDX has no field for
 * (layers, cataloger, arch, scan issues) goes in `annotations` with the same `shipshape:` names as the CycloneDX
 * properties, as trivy does with its own. Deterministic: same SBOM, same bytes.
 */
export function encodeSpdx(sbom: Sbom, options: SpdxOptions = {}): string {
  const created = utcSeconds(sbom.createdAt)
  const tool = `Tool: ${sbom.tool.name}-${sbom.tool.version}`
  const annotate = (props: Property[]): Annotation[] | undefined =>
    props.length
      ? props.map((p) => ({
          annotationDate: created,
          annotationType: 'OTHER',
          annotator: tool,
          comment: `${p.name}: ${p.value}`,
        }))
      : undefined

  const target = targetIdentity(sbom.target)
  const isFs = sbom.target.kind === 'filesystem'
  const image: SpdxPackage = {
    name: target.name,
    SPDXID: isFs ? 'SPDXRef-Filesystem' : 'SPDXRef-ContainerImage',
    ...optional('versionInfo', target.version),
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    ...optional('externalRefs', target.purl ? [purlRef(target.purl)] : undefined),
    primaryPackagePurpose: isFs ? 'FILE' : 'CONTAINER',
    ...optional('annotations', annotate(targetProperties(sbom.target))),
  }

  const packages: SpdxPackage[] = [image]
  const relationships: Relationship[] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relatedSpdxElement: image.SPDXID, relationshipType: 'DESCRIBES' },
  ]
  const contain = (p: SpdxPackage) => {
    packages.push(p)
    relationships.push({ spdxElementId: image.SPDXID, relatedSpdxElement: p.SPDXID, relationshipType: 'CONTAINS' })
  }
  if (sbom.distro)
    contain({ ...osPackage(sbom.distro), ...optional('annotations', annotate(distroProperties(sbom.distro))) })

  const list = sortedPackages(sbom)
  const licenses = new Licenses(list)
  for (const p of list) {
    contain({ ...packageEntry(p, licenses.declared(p)), ...optional('annotations', annotate(packageProperties(p))) })
  }

  const docName = documentName(sbom)
  const issues = annotate(issueProperties(sbom.issues))
  const extracted = licenses.extracted()
  const body = {
    creationInfo: {
      // The field wants `M.N`.
      licenseListVersion: SPDX_LICENSE_LIST_VERSION.split('.').slice(0, 2).join('.'),
      creators: [tool],
      created,
    },
    ...optional('annotations', issues),
    packages,
    ...optional('hasExtractedLicensingInfos', extracted.length ? extracted : undefined),
    relationships,
  }
  const prefix = (options.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX).replace(/\/+$/, '')
  const uuid = contentUuid('spdx', JSON.stringify({ name: docName, ...body }))
  const doc = {
    spdxVersion: SPDX_VERSION,
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: docName,
    documentNamespace: `${prefix}/${isFs ? 'dir' : 'image'}/${slug(docName)}-${uuid}`,
    ...body,
  }
  return `${JSON.stringify(doc, null, 2)}\n`
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

/** `debian:12` style: the repository and its tag when known, else what the user asked for. */
function documentName(sbom: Sbom): string {
  const t = sbom.target
  if (!t.name) return t.ref
  const tag = t.tags[0]
  return tag ? `${t.name}:${tag}` : t.name
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'target'
}

/** SPDX ids allow only `[A-Za-z0-9.-]` after `SPDXRef-`. */
function idPart(s: string): string {
  return s.replace(/[^A-Za-z0-9.-]/g, '-')
}

function purlRef(purl: string) {
  return { referenceCategory: 'PACKAGE-MANAGER' as const, referenceType: 'purl' as const, referenceLocator: purl }
}

function osPackage(d: Distro): SpdxPackage {
  return {
    name: d.id,
    SPDXID: `SPDXRef-OperatingSystem-${idPart(d.id)}${d.versionId ? `-${idPart(d.versionId)}` : ''}`,
    ...(d.versionId ? { versionInfo: d.versionId } : {}),
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    ...(d.prettyName ? { description: d.prettyName } : {}),
    // The schema's enum spells it with an underscore, though the spec's prose writes OPERATING-SYSTEM.
    primaryPackagePurpose: 'OPERATING_SYSTEM',
  }
}

function packageEntry(p: Package, licenseDeclared: string): SpdxPackage {
  const agent = supplierAgent(p)
  return {
    name: p.name,
    SPDXID: `SPDXRef-Package-${idPart(p.kind)}-${idPart(p.name)}-${idPart(p.id)}`,
    ...optional('versionInfo', p.version || undefined),
    ...optional('supplier', agent),
    ...optional('originator', agent),
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    ...optional('homepage', p.metadata.kind === 'apk' ? p.metadata.url : undefined),
    sourceInfo: sourceInfo(p),
    licenseConcluded: 'NOASSERTION',
    licenseDeclared,
    externalRefs: [purlRef(p.purl)],
    primaryPackagePurpose: 'LIBRARY',
  }
}

/**
 * Agent syntax is `Organization: name (email)`. Whether a maintainer is a person or a team cannot be told
 * reliably, and for a distro package the supplier is the distribution, hence Organization. syft also gives the
 * maintainer as originator, the party the binary package came from.
 */
function supplierAgent(p: Package): string | undefined {
  const supplier = packageSupplier(p)
  if (!supplier) return undefined
  const { name, email } = parseContact(supplier)
  return `Organization: ${name}${email ? ` (${email})` : ''}`
}

function where(l: Location): string {
  return l.layer ? `${l.path} (layer ${l.layerIndex} ${l.layer})` : l.path
}

/** Where the package record came from, in words: the source package, the cataloger, the files and layers. */
function sourceInfo(p: Package): string {
  const parts: string[] = []
  // trivy's wording for the source package a binary package was built from.
  if (p.source) parts.push(`built package from: ${p.source.name} ${p.source.version}`)
  parts.push(`found by ${p.foundBy} in ${sortedLocations(p.locations).map(where).join(', ')}`)
  if (p.introducedIn.layer) {
    const last = p.lastChangedIn.layer
      ? `, last changed in layer ${p.lastChangedIn.layerIndex} ${p.lastChangedIn.layer}`
      : ''
    parts.push(`introduced in layer ${p.introducedIn.layerIndex} ${p.introducedIn.layer}${last}`)
  }
  return parts.join('; ')
}

/**
 * `licenseDeclared` for every package, and the `hasExtractedLicensingInfos` its `LicenseRef-`s need. A string that
 * is an SPDX id or a valid expression is used as is (normalised); any other text (`GPLv3+`, `Public Domain`)
 * becomes a `LicenseRef-` whose extracted text is the declared string, as SPDX requires every LicenseRef used to
 * be defined in the document. Several declared strings are AND-ed.
 */
class Licenses {
  private readonly classes = new Map<Package, LicenseClass[]>()
  private readonly refs: Map<string, string>
  private readonly named = new Set<string>()

  constructor(packages: Package[]) {
    const free: string[] = []
    for (const p of packages) {
      const cs = [...new Set((p.licenses ?? []).map((s) => s.trim()).filter(Boolean))].map(classifyLicense)
      this.classes.set(p, cs)
      for (const c of cs) {
        if (c.kind === 'other') free.push(c.text)
        else if (c.kind === 'expression') for (const r of c.licenseRefs) this.named.add(r)
      }
    }
    this.refs = assignLicenseRefs(free, this.named)
  }

  declared(p: Package): string {
    const parts = (this.classes.get(p) ?? []).map((c) =>
      c.kind === 'id' ? c.id : c.kind === 'expression' ? c.expression : (this.refs.get(c.text) as string),
    )
    const unique = [...new Set(parts)]
    return unique.length ? joinWithAnd(unique) : 'NOASSERTION'
  }

  extracted(): { licenseId: string; extractedText: string; name: string; comment?: string }[] {
    const out: { licenseId: string; extractedText: string; name: string; comment?: string }[] = []
    for (const [text, licenseId] of this.refs) out.push({ licenseId, extractedText: text, name: text })
    for (const licenseId of this.named) {
      out.push({
        licenseId,
        extractedText: licenseId,
        name: licenseId,
        comment: 'named by the package metadata, which does not carry its text',
      })
    }
    return out.sort((a, b) => compareStrings(a.licenseId, b.licenseId))
  }
}
