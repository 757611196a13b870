import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Finding, Report } from '../../src/model/index.js'
import { FIXTURES } from '../helpers/images.js'

export const OUTPUT_FIXTURES = join(FIXTURES, 'output')
export const REPORT_PATH = join(OUTPUT_FIXTURES, 'report.json')

/**
 * A fresh copy of the fixed report each time, so no test sees another's edits. It was made by the real pipeline
 * (`report-fixture.test.ts`, UPDATE_OUTPUT_REPORT=1): every severity level, a KEV entry with EPSS, a finding without
 * a fix, one vulnerability in two packages, one package name at two paths, OS and language packages.
 */
export function fixedReport(): Report {
  return JSON.parse(readFileSync(REPORT_PATH, 'utf8')) as Report
}

/** The report without findings (a clean image). */
export function emptyReport(): Report {
  const r = fixedReport()
  r.findings = []
  r.summary = { ...r.summary, critical: 0, high: 0, medium: 0, low: 0, unspecified: 0, vulnerablePackages: 0 }
  return r
}

/** The one finding with this vulnerability id and package name (the test fails loudly when there is not one). */
export function findingOf(r: Report, id: string, pkg: string, version?: string): Finding {
  const hits = r.findings.filter(
    (f) => f.id === id && f.package.name === pkg && (version === undefined || f.package.version === version),
  )
  if (hits.length !== 1) throw new Error(`expected one finding ${id} in ${pkg}, got ${hits.length}`)
  return hits[0] as Finding
}

/** The golden file's content; with UPDATE_GOLDEN=1 it is first rewritten from `actual`. */
export function golden(name: string, actual: string): string {
  const path = join(OUTPUT_FIXTURES, name)
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual)
  if (!existsSync(path)) throw new Error(`${path} is missing: run the tests once with UPDATE_GOLDEN=1`)
  return readFileSync(path, 'utf8')
}
