import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Package } from '../../src/model/index.js'
import {
  declaredLicenses,
  normalizeName,
  type PythonMetadata,
  parseCoreMetadata,
  parseRecordPaths,
  parseRequiresTxt,
  pythonCataloger,
} from '../../src/sbom/catalogers/python/index.js'
import { builtLayout, FIXTURES, readTsv, truthFile } from '../helpers/images.js'
import { fixtureCases, issuesOf, scanWith } from './harness.js'

const ROOT = join(FIXTURES, 'catalogers', 'python')

const scan = scanWith(pythonCataloger)

function project(p: Package) {
  const m = p.metadata as PythonMetadata
  return {
    name: p.name,
    version: p.version,
    purl: p.purl,
    path: m.path,
    format: m.format,
    filesFrom: m.filesFrom,
    files: m.files,
    ...(m.requires ? { requires: m.requires } : {}),
    ...(p.licenses ? { licenses: p.licenses } : {}),
  }
}

const issues = issuesOf

describe('python cataloger fixtures', () => {
  fixtureCases(ROOT, scan, (expected, sbom) => {
    expect(sbom.packages.map(project)).toEqual(expected.packages)
    for (const p of sbom.packages) {
      expect(p.kind).toBe('python')
      expect(p.foundBy).toBe(`python/${pythonCataloger.version}`)
      expect(p.metadata.kind).toBe('python')
      const meta = p.locations[0]?.path
      expect(meta).toMatch(/(METADATA|PKG-INFO|\.egg-info)$/)
      expect(p.introducedIn.path).toBe(meta)
      expect(p.lastChangedIn.path).toBe(meta)
      // Every owned file list names the metadata file itself: that is what dpkg ownership is matched on.
      expect((p.metadata as PythonMetadata).files).toContain(meta)
    }
  })

  it('lang-app fixture lists exactly the truth file of the lang-app image', () => {
    const truth = truthFile('lang-app', 'python.tsv')
    if (!existsSync(truth)) return
    const expected = JSON.parse(readFileSync(join(ROOT, 'lang-app', 'expected.json'), 'utf8')) as {
      packages: { name: string; version: string; path: string }[]
    }
    expect(expected.packages.map((p) => [p.name, p.version, p.path])).toEqual(readTsv(truth))
  })
})

describe('python cataloger on the lang-app image', () => {
  it('finds the 8 Debian-installed distributions with their layer and owned files', async () => {
    const layout = builtLayout('lang-app')
    if (!existsSync(layout)) return
    const sbom = await scan(`oci-dir://${layout}`)
    const truth = readTsv(truthFile('lang-app', 'python.tsv'))
    expect(sbom.packages.map((p) => [p.name, p.version, (p.metadata as PythonMetadata).path])).toEqual(truth)
    expect(sbom.issues).toEqual([])
    const yaml = sbom.packages.find((p) => p.name === 'PyYAML') as Package
    expect(yaml.purl).toBe('pkg:pypi/pyyaml@6.0')
    expect(yaml.introducedIn.layer).toMatch(/^sha256:/)
    expect((yaml.metadata as PythonMetadata).files).toContain(
      '/usr/lib/python3/dist-packages/yaml/_yaml.cpython-311-x86_64-linux-gnu.so',
    )
    const six = sbom.packages.find((p) => p.name === 'six') as Package
    expect((six.metadata as PythonMetadata).files).toEqual([
      '/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO',
      '/usr/lib/python3/dist-packages/six-1.16.0.egg-info/dependency_links.txt',
      '/usr/lib/python3/dist-packages/six-1.16.0.egg-info/top_level.txt',
    ])
  })
})

describe('python metadata readers', () => {
  it('reads headers as the email package does: continuations, repeats, end at a blank or non-header line', () => {
    const md = parseCoreMetadata(
      'Metadata-Version: 2.1\r\nName: a\r\nClassifier: X\r\nClassifier: Y\r\nDescription: one\r\n        two\r\n\r\nVersion: 9\r\n',
    )
    expect(md.headers.get('name')).toEqual(['a'])
    expect(md.headers.get('classifier')).toEqual(['X', 'Y'])
    expect(md.headers.get('description')).toEqual(['one\ntwo'])
    expect(md.headers.get('version')).toBeUndefined()
    expect(parseCoreMetadata('Name: a\nnot a header\nVersion: 1\n').headers.get('version')).toBeUndefined()
  })

  it('takes License-Expression first, then a short License, then License classifiers', () => {
    // PEP 639's example of a core-metadata 2.4 header.
    expect(declaredLicenses(parseCoreMetadata('License-Expression: MIT AND (Apache-2.0 OR BSD-2-Clause)\n'))).toEqual([
      'MIT AND (Apache-2.0 OR BSD-2-Clause)',
    ])
    const classifiers =
      'License: UNKNOWN\nClassifier: License :: OSI Approved\nClassifier: License :: OSI Approved :: MIT License\n'
    expect(declaredLicenses(parseCoreMetadata(classifiers))).toEqual(['MIT License'])
    expect(
      declaredLicenses(parseCoreMetadata('License: Copyright (c) 2020\n   Permission is hereby granted\n')),
    ).toEqual([])
  })

  it('normalises names per PEP 503', () => {
    expect(normalizeName('zope.interface')).toBe('zope-interface')
    expect(normalizeName('Charset__Normalizer')).toBe('charset-normalizer')
    expect(normalizeName('PyYAML')).toBe('pyyaml')
  })

  it('reads RECORD as csv (quoted paths with commas) and requires.txt as importlib does', () => {
    expect(parseRecordPaths('a/b.py,sha256=x,1\r\n"a/with,comma.py",,\n"q""uote",,\n\n')).toEqual([
      'a/b.py',
      'a/with,comma.py',
      'q"uote',
    ])
    expect(
      parseRequiresTxt('x>=1\n\n[socks]\nPySocks\n[:python_version < "3"]\nipaddress\n[sec:os_name == "nt"]\nw\n'),
    ).toEqual([
      'x>=1',
      'PySocks; extra == "socks"',
      'ipaddress; python_version < "3"',
      'w; (os_name == "nt") and extra == "sec"',
    ])
  })
})

describe('python cataloger: bad and hostile input', () => {
  let tmp: string
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'shipshape-python-'))
  })
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  const LANG = join(ROOT, 'lang-app', 'rootfs', 'usr/lib/python3/dist-packages')
  const write = (root: string, path: string, data: string | Buffer) => {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), data)
  }

  it('skips unreadable metadata with a located issue and catalogues the rest', async () => {
    const root = join(tmp, 'bad')
    const sp = 'usr/local/lib/python3.11/site-packages'
    mkdirSync(join(root, sp), { recursive: true })
    // Real metadata, kept as is: still found.
    cpSync(join(LANG, 'six-1.16.0.egg-info'), join(root, sp, 'six-1.16.0.egg-info'), { recursive: true })
    // PyYAML's real METADATA with its Version line removed.
    const yaml = readFileSync(join(LANG, 'PyYAML-6.0.dist-info/METADATA'), 'utf8')
    write(root, `${sp}/PyYAML-6.0.dist-info/METADATA`, yaml.replace(/^Version: .*\n/m, ''))
    // Binary garbage where METADATA should be.
    write(root, `${sp}/garbage-1.0.dist-info/METADATA`, Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a, 0x80, 0x81]))
    // A dist-info directory without METADATA.
    write(root, `${sp}/empty-1.0.dist-info/RECORD`, 'empty/__init__.py,,\n')
    // A non-header line before Name ends the headers, as in Python's email parser.
    write(root, `${sp}/broken-1.0.dist-info/METADATA`, 'Metadata-Version: 2.1\nthis is not a header\nName: broken\n')
    // An egg-info in its single-file form (distutils' install_egg_info); content from CPython's Lib/wsgiref.egg-info.
    write(
      root,
      `${sp}/wsgiref.egg-info`,
      'Metadata-Version: 1.0\nName: wsgiref\nVersion: 0.1\nSummary: WSGI (PEP 333) Reference Library\nAuthor: Phillip J. Eby\nAuthor-email: web-sig@python.org\nLicense: PSF or ZPL\nPlatform: UNKNOWN\n',
    )
    const sbom = await scan(`fs://${root}`)
    expect(sbom.packages.map((p) => [p.name, p.version, (p.metadata as PythonMetadata).format])).toEqual([
      ['six', '1.16.0', 'egg-info'],
      ['wsgiref', '0.1', 'egg-info-file'],
    ])
    const wsgi = sbom.packages.find((p) => p.name === 'wsgiref') as Package
    expect(wsgi.licenses).toEqual(['PSF or ZPL'])
    expect((wsgi.metadata as PythonMetadata).files).toEqual([`/${sp}/wsgiref.egg-info`])
    expect(issues(sbom)).toEqual([
      {
        kind: 'parse-error',
        message: `/${sp}/PyYAML-6.0.dist-info/METADATA: no Version header; distribution skipped`,
        path: `/${sp}/PyYAML-6.0.dist-info/METADATA`,
      },
      {
        kind: 'parse-error',
        message: `/${sp}/broken-1.0.dist-info/METADATA: no Name header; distribution skipped`,
        path: `/${sp}/broken-1.0.dist-info/METADATA`,
      },
      {
        kind: 'parse-error',
        message: `/${sp}/empty-1.0.dist-info/METADATA: missing`,
        path: `/${sp}/empty-1.0.dist-info/METADATA`,
      },
      {
        kind: 'parse-error',
        message: `/${sp}/garbage-1.0.dist-info/METADATA: no Name header; distribution skipped`,
        path: `/${sp}/garbage-1.0.dist-info/METADATA`,
      },
    ])
  })

  it('a METADATA or RECORD over the size cap: a located issue, the rest still catalogued', async () => {
    const root = join(tmp, 'big')
    const sp = 'usr/lib/python3/dist-packages'
    mkdirSync(join(root, sp), { recursive: true })
    cpSync(join(LANG, 'chardet-5.1.0.dist-info'), join(root, sp, 'chardet-5.1.0.dist-info'), { recursive: true })
    cpSync(join(LANG, 'PyYAML-6.0.dist-info'), join(root, sp, 'PyYAML-6.0.dist-info'), { recursive: true })
    const big = 17 * 1024 * 1024
    // A 17 MiB METADATA: real headers, then a huge description.
    const head = readFileSync(join(LANG, 'chardet-5.1.0.dist-info/METADATA'))
    write(root, `${sp}/chardet-5.1.0.dist-info/METADATA`, Buffer.concat([head, Buffer.alloc(big, 0x61)]))
    // A 17 MiB RECORD: the package is still found, its files then come from the metadata directory.
    const rec = readFileSync(join(LANG, 'PyYAML-6.0.dist-info/RECORD'))
    write(root, `${sp}/PyYAML-6.0.dist-info/RECORD`, Buffer.concat([rec, Buffer.alloc(big, 0x0a)]))
    const sbom = await scan(`fs://${root}`)
    expect(sbom.packages.map((p) => [p.name, (p.metadata as PythonMetadata).filesFrom])).toEqual([
      ['PyYAML', 'metadata-dir'],
    ])
    const mine = sbom.issues.filter((i) => i.source === 'python')
    expect(mine.map((i) => [i.kind, i.location?.path])).toEqual([
      ['unreadable-file', `/${sp}/PyYAML-6.0.dist-info/RECORD`],
      ['unreadable-file', `/${sp}/chardet-5.1.0.dist-info/METADATA`],
    ])
    // The layer walk says so too, once per file.
    expect(sbom.issues.filter((i) => i.kind === 'truncated-content')).toHaveLength(2)
  })
})
