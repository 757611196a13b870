import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { FIXTURES } from '../helpers/images.js'

export const SCHEMAS = join(FIXTURES, 'schemas')

const require = createRequire(import.meta.url)
// As in test/formats/validators.ts: ajv-formats is CommonJS, loaded with require and typed as its default export.
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'))
}

/** The project's ajv set-up (test/formats/validators.ts): every error at once, annotations allowed, formats checked. */
function setUp<T extends Ajv>(ajv: T): T {
  addFormats(ajv)
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u)
  ajv.addFormat('iri-reference', /^\S*$/u)
  return ajv
}

export type SarifSchema = 'errata01' | 'cs01-draft07' | 'github-referenced'

const SARIF_FILES: Record<SarifSchema, string> = {
  errata01: 'sarif-schema-2.1.0.errata01.json',
  'cs01-draft07': 'sarif-schema-2.1.0.cs01-draft07.json',
  'github-referenced': 'sarif-schema-2.1.0.github-referenced-123e958.json',
}

/**
 * Its `language` pattern is `^(?i)[a-zA]{2}(-[a-z]{2})?$`: a leading inline `(?i)` (Python, PCRE) that JavaScript
 * regular expressions lack. It means "the whole pattern ignores case", which is the `i` flag.
 */
const inlineFlagRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    const m = /^(\^?)\(\?i\)/.exec(pattern)
    return m ? new RegExp(`${m[1]}${pattern.slice(m[0].length)}`, `${flags}i`) : new RegExp(pattern, flags)
  },
  { code: 'new RegExp' },
)

const sarif = new Map<SarifSchema, ValidateFunction>()

/**
 * One of the three SARIF 2.1.0 schemas in test/fixtures/schemas/sarif-2.1.0. errata01 is draft-04, which ajv 8 has
 * no engine for; it uses only keywords draft-04 and draft-07 read alike (see PROVENANCE.md), so it is compiled as
 * draft-07 with its `id` read as `$id`. The GitHub-linked one is draft 2020-12.
 */
export function sarifValidator(which: SarifSchema): ValidateFunction {
  const cached = sarif.get(which)
  if (cached) return cached
  const schema = readJson(join(SCHEMAS, 'sarif-2.1.0', SARIF_FILES[which])) as Record<string, unknown>
  let validate: ValidateFunction
  if (which === 'errata01') {
    const { $schema: _draft04, id, ...rest } = schema
    validate = setUp(new Ajv({ allErrors: true, strict: false })).compile({ ...rest, $id: id as string })
  } else if (which === 'github-referenced') {
    // This version nests region's `anyOf` (startLine | charOffset | byteOffset required) inside `properties`, where
    // it names a property and its array value is no schema: ajv's meta-schema check would refuse the whole schema.
    // Compiled without that check, the stray entry only constrains a property called "anyOf"; errata01 and cs01
    // still enforce the region rule, and the SARIF tests check `region.startLine` directly.
    validate = setUp(
      new Ajv2020({ allErrors: true, strict: false, validateSchema: false, code: { regExp: inlineFlagRegExp } }),
    ).compile(schema)
  } else {
    // cs01's `language` pattern (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) has a stray `]`, legal in a plain
    // ECMAScript regular expression but not under the `u` flag ajv uses by default.
    validate = setUp(new Ajv({ allErrors: true, strict: false, unicodeRegExp: false })).compile(schema)
  }
  sarif.set(which, validate)
  return validate
}

export const SARIF_SCHEMAS: readonly SarifSchema[] = ['errata01', 'cs01-draft07', 'github-referenced']

let gitlab: ValidateFunction | undefined
/** GitLab's dependency-scanning report schema 15.x (draft-07), copied in test/fixtures/schemas/gitlab-15.x. */
export function gitlabValidator(): ValidateFunction {
  if (gitlab) return gitlab
  gitlab = setUp(new Ajv({ allErrors: true, strict: false })).compile(
    readJson(join(SCHEMAS, 'gitlab-15.x', 'dependency-scanning-report-format.json')) as object,
  )
  return gitlab
}

/** Validates and returns the errors in a readable form (empty when valid). */
export function schemaErrors(validate: ValidateFunction, doc: unknown): string[] {
  if (validate(doc)) return []
  return (validate.errors ?? []).map(
    (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  )
}
