import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  SPDX_EXCEPTION_IDS,
  SPDX_LICENSE_IDS,
  SPDX_LICENSE_LIST_VERSION,
} from '../../src/sbom/formats/common/license-list.js'
import { assignLicenseRefs, classifyLicense, joinWithAnd } from '../../src/sbom/formats/common/licenses.js'
import { licenseChoices } from '../../src/sbom/formats/cyclonedx-json/encode.js'
import { cdxSchemaDir, readJson } from './validators.js'

describe('SPDX license list', () => {
  it('is exactly the enum CycloneDX 1.6 validates license.id against (licenses, then exceptions)', () => {
    const schema = readJson(join(cdxSchemaDir, 'spdx.SNAPSHOT.schema.json')) as { $comment: string; enum: string[] }
    expect([...SPDX_LICENSE_IDS, ...SPDX_EXCEPTION_IDS]).toEqual(schema.enum)
    expect(schema.$comment.endsWith(`-${SPDX_LICENSE_LIST_VERSION}`)).toBe(true)
    expect(SPDX_LICENSE_IDS).toContain('MIT')
    expect(SPDX_LICENSE_IDS).not.toContain('Classpath-exception-2.0')
    expect(SPDX_EXCEPTION_IDS).toContain('Classpath-exception-2.0')
  })
})

describe('classifyLicense', () => {
  it.each([
    ['MIT', 'MIT'],
    ['mit', 'MIT'],
    [' Apache-2.0 ', 'Apache-2.0'],
    ['bsd-3-clause', 'BSD-3-Clause'],
    // Deprecated ids are still on the list, `+` included.
    ['GPL-2.0+', 'GPL-2.0+'],
    ['GPL-2.0', 'GPL-2.0'],
  ])('%s is the SPDX id %s', (text, id) => {
    expect(classifyLicense(text)).toEqual({ kind: 'id', id })
  })

  it.each([
    ['MIT OR Apache-2.0', 'MIT OR Apache-2.0'],
    ['mit or apache-2.0', 'MIT OR Apache-2.0'],
    ['(MIT OR Apache-2.0) AND BSD-3-Clause', '(MIT OR Apache-2.0) AND BSD-3-Clause'],
    ['( MIT  OR Apache-2.0 )AND  BSD-3-Clause', '(MIT OR Apache-2.0) AND BSD-3-Clause'],
    ['GPL-2.0-only WITH Classpath-exception-2.0', 'GPL-2.0-only WITH Classpath-exception-2.0'],
    ['gpl-3.0-or-later with gcc-exception-3.1', 'GPL-3.0-or-later WITH GCC-exception-3.1'],
    ['Apache-2.0+', 'Apache-2.0+'],
    ['MIT+', 'MIT+'],
    ['(MIT)', '(MIT)'],
    ['MIT AND (BSD-2-Clause OR (ISC AND Zlib))', 'MIT AND (BSD-2-Clause OR (ISC AND Zlib))'],
  ])('%s is the expression %s', (text, expression) => {
    expect(classifyLicense(text)).toEqual({ kind: 'expression', expression, licenseRefs: [] })
  })

  it('keeps LicenseRefs in expressions and lists them', () => {
    expect(classifyLicense('LicenseRef-acme OR MIT')).toEqual({
      kind: 'expression',
      expression: 'LicenseRef-acme OR MIT',
      licenseRefs: ['LicenseRef-acme'],
    })
  })

  it.each([
    'GPLv3+',
    'GPLv2+ and LGPLv2+ with exceptions',
    'MIT and BSD',
    'Public Domain',
    'MIT BSD-2-Clause',
    'MIT AND',
    '(MIT',
    'MIT)',
    'MIT And Apache-2.0',
    'MIT WITH GPL-2.0-only',
    'Classpath-exception-2.0',
    'GPL-2.0-only WITH',
    'DocumentRef-x:LicenseRef-y',
    'MIT++',
  ])('%s is free text', (text) => {
    expect(classifyLicense(text)).toEqual({ kind: 'other', text })
  })
})

describe('joinWithAnd', () => {
  it('parenthesises compound parts only', () => {
    expect(joinWithAnd(['MIT'])).toBe('MIT')
    expect(joinWithAnd(['MIT OR ISC'])).toBe('MIT OR ISC')
    expect(joinWithAnd(['MIT', 'ISC OR Zlib', '(A OR B)', 'GPL-2.0+'])).toBe(
      'MIT AND (ISC OR Zlib) AND (A OR B) AND GPL-2.0+',
    )
    expect(joinWithAnd(['(MIT) OR (ISC)', 'Zlib'])).toBe('((MIT) OR (ISC)) AND Zlib')
  })
})

describe('assignLicenseRefs', () => {
  it('makes readable ids, and hashes only when two texts would clash', () => {
    const refs = assignLicenseRefs(['GPLv3+', 'Public Domain', 'public domain', 'GPL v2', 'acme'], ['LicenseRef-acme'])
    expect(refs.get('GPLv3+')).toBe('LicenseRef-GPLv3-plus')
    expect(refs.get('GPL v2')).toBe('LicenseRef-GPL-v2')
    // Ids compare case-insensitively, so these two clash and both get a hash.
    expect(refs.get('Public Domain')).toMatch(/^LicenseRef-Public-Domain-[0-9a-f]{8}$/)
    expect(refs.get('public domain')).toMatch(/^LicenseRef-public-domain-[0-9a-f]{8}$/)
    expect(refs.get('acme')).toMatch(/^LicenseRef-acme-[0-9a-f]{8}$/)
    expect(new Set(refs.values()).size).toBe(refs.size)
    for (const id of refs.values()) expect(id).toMatch(/^LicenseRef-[A-Za-z0-9.-]+$/)
  })

  it('does not depend on the order texts are met', () => {
    const a = assignLicenseRefs(['a b', 'a+b', 'a_b', 'x'])
    const b = assignLicenseRefs(['x', 'a_b', 'a+b', 'a b'])
    expect([...a.entries()].sort()).toEqual([...b.entries()].sort())
    expect(a.get('a b')).not.toBe(a.get('a_b'))
    expect(a.get('a b')).toMatch(/^LicenseRef-a-b-[0-9a-f]{8}$/)
    expect(a.get('x')).toBe('LicenseRef-x')
  })

  it('gives odd texts a usable id', () => {
    expect(assignLicenseRefs(['///']).get('///')).toBe('LicenseRef-unknown')
  })
})

describe('CycloneDX licenseChoices', () => {
  const d = 'declared'
  it('uses ids for list ids and names for free text', () => {
    expect(licenseChoices(['MIT', 'Public Domain'])).toEqual([
      { license: { id: 'MIT', acknowledgement: d } },
      { license: { name: 'Public Domain', acknowledgement: d } },
    ])
  })

  it('makes one AND-ed expression when everything is SPDX and something is compound', () => {
    expect(licenseChoices(['MIT', 'ISC OR Zlib'])).toEqual([
      { expression: 'MIT AND (ISC OR Zlib)', acknowledgement: d },
    ])
  })

  it('does not mix an expression with license objects (the schema forbids it): compound becomes a name', () => {
    expect(licenseChoices(['ISC OR Zlib', 'GPLv2'])).toEqual([
      { license: { name: 'ISC OR Zlib', acknowledgement: d } },
      { license: { name: 'GPLv2', acknowledgement: d } },
    ])
  })

  it('drops blanks and duplicates, and returns undefined for nothing', () => {
    expect(licenseChoices(['MIT', ' MIT', 'mit', ''])).toEqual([{ license: { id: 'MIT', acknowledgement: d } }])
    expect(licenseChoices([])).toBeUndefined()
    expect(licenseChoices(['  '])).toBeUndefined()
  })
})
