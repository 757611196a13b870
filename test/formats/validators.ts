import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'

const here = dirname(fileURLToPath(import.meta.url))
export const fixtures = join(here, '..', 'fixtures')

const require = createRequire(import.meta.url)
// ajv-formats is CommonJS whose function is `module.exports`; under NodeNext TypeScript types a default import of
// it as the module object, so it is loaded with require and typed as its declared default export.
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default
/** The official CycloneDX schemas, as shipped (pinned) in @cyclonedx/cyclonedx-library. */
export const cdxSchemaDir = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema')

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'))
}

function newAjv(): Ajv {
  // allErrors so a failing test prints every problem at once; strict off because the official schemas use
  // annotations ajv's strict mode does not know (e.g. `meta:enum`), which is valid JSON Schema.
  const ajv = new Ajv({ allErrors: true, strict: false })
  addFormats(ajv)
  // Formats draft-07 names but ajv-formats does not implement; checked loosely rather than ignored.
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u)
  ajv.addFormat('iri-reference', /^\S*$/u)
  return ajv
}

let cdx: ValidateFunction | undefined
/** CycloneDX 1.6 (draft-07) with the SPDX license-id and JSF schemas it `$ref`s. */
export function cycloneDxValidator(): ValidateFunction {
  if (cdx) return cdx
  const ajv = newAjv()
  const load = (file: string) => readJson(join(cdxSchemaDir, file)) as { $id: string }
  // The library renamed the files its BOM schema `$ref`s (spdx.schema.json → spdx.SNAPSHOT.schema.json), so each
  // referenced schema is registered under the `$id` the reference resolves to, relative to the BOM schema's `$id`.
  for (const file of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
    ajv.addSchema({ ...load(file), $id: `http://cyclonedx.org/schema/${file}` })
  }
  cdx = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'))
  return cdx
}

let spdx: ValidateFunction | undefined
/** The official SPDX 2.3 JSON schema (draft-07), copied in test/fixtures/schemas/spdx-2.3. */
export function spdxValidator(): ValidateFunction {
  if (spdx) return spdx
  spdx = newAjv().compile(readJson(join(fixtures, 'schemas', 'spdx-2.3', 'spdx-schema.json')) as object)
  return spdx
}

/** Validates and returns the errors in a readable form (empty when valid). */
export function schemaErrors(validate: ValidateFunction, doc: unknown): string[] {
  if (validate(doc)) return []
  return (validate.errors ?? []).map(
    (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  )
}
