import { type DecodeOptions, decodeCycloneDxDocument, isObject, oneLine, parseJson } from './cyclonedx-json/decode.js'
import { type DecodeResult, decodeNativeJson, NATIVE_FORMAT } from './native-json/index.js'
import { decodeSpdxDocument } from './spdx-json/decode.js'

export type SbomFormat = 'native' | 'cyclonedx' | 'spdx'

export type SbomDecodeResult = DecodeResult & { format?: SbomFormat }

/** Which SBOM format a parsed document is in, by its content (not its file name). */
export function detectSbomFormat(doc: unknown): SbomFormat | undefined {
  if (!isObject(doc)) return undefined
  if (doc.format === NATIVE_FORMAT) return 'native'
  if (doc.bomFormat === 'CycloneDX') return 'cyclonedx'
  if (typeof doc.spdxVersion === 'string' || (typeof doc['@context'] === 'string' && doc['@context'].includes('spdx')))
    return 'spdx'
  return undefined
}

/**
 * An in-toto statement (how BuildKit and Docker attach SBOM attestations to images) carries the SBOM as its
 * `predicate`: that is the document.
 */
function unwrapStatement(doc: unknown): unknown {
  if (
    isObject(doc) &&
    typeof doc._type === 'string' &&
    doc._type.startsWith('https://in-toto.io/Statement/') &&
    isObject(doc.predicate)
  )
    return doc.predicate
  return doc
}

/**
 * Reads an SBOM of any format shipshape knows (`sbom://FILE`): its native JSON, CycloneDX 1.x JSON or SPDX 2.x
 * JSON, told apart by content, also when wrapped in an in-toto statement. `options.ref` is what the user named the
 * file by (the target's ref of CycloneDX/SPDX input; the native SBOM keeps its own target). Never throws.
 */
export function decodeSbom(text: string, options: DecodeOptions = {}): SbomDecodeResult {
  const j = parseJson(text)
  if (!j.ok) return j
  const doc = unwrapStatement(j.value)
  const format = detectSbomFormat(doc)
  switch (format) {
    case 'native':
      return { ...decodeNativeJson(doc === j.value ? text : JSON.stringify(doc)), format }
    case 'cyclonedx':
      return { ...decodeCycloneDxDocument(doc, options), format }
    case 'spdx':
      return { ...decodeSpdxDocument(doc, options), format }
    default:
      return {
        ok: false,
        error: oneLine(
          isObject(doc)
            ? 'not an SBOM shipshape reads: neither its native JSON, CycloneDX JSON ("bomFormat") nor SPDX JSON ("spdxVersion")'
            : `not an SBOM shipshape reads: the JSON is ${Array.isArray(doc) ? 'an array' : typeof doc === 'object' ? 'null' : `a ${typeof doc}`}, not an object`,
        ),
      }
  }
}
