import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSource, parseAttestation, parseImageRef } from '../../src/image/index.js'
import { ShipshapeError } from '../../src/internal/index.js'
import type { Digest, Sbom } from '../../src/model/index.js'
import { encodeSpdx } from '../../src/sbom/formats/spdx-json/index.js'
import { generateSbom, sbomFromAttestation } from '../../src/sbom/index.js'
import { IMPORTERS, loadDbConfig, updateDb } from '../../src/vulndb/index.js'
import { cli, cliAsync } from '../helpers/cli.js'
import { builtLayout, FIXTURES } from '../helpers/images.js'
import { startRegistry, type TestRegistry } from '../helpers/registry.js'

/*
 * The statement shapes follow BuildKit's own documents: docs/attestations/attestation-storage.md (index entry of
 * platform unknown/unknown with `vnd.docker.reference.type: attestation-manifest` and `vnd.docker.reference.digest`,
 * layers of `application/vnd.in-toto+json` annotated `in-toto.io/predicate-type`, statement `_type`
 * https://in-toto.io/Statement/v0.1 with an SPDX predicate) and docs/attestations/slsa-provenance.md (the v1 statement
 * of `FROM alpine:latest`, mode=min) and Docker's provenance page (v0.2 with `materials`, `invocation` and the
 * `https://mobyproject.org/buildkit@v1#metadata` vcs entry). The SPDX predicate is our own SPDX 2.3 of debian-min.
 */

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest
const hex = (d: string) => d.slice('sha256:'.length)

function putBlob(layout: string, body: string | Buffer): { digest: Digest; size: number } {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body)
  const digest = sha(buf)
  writeFileSync(join(layout, 'blobs', 'sha256', hex(digest)), buf)
  return { digest, size: buf.length }
}

function provenanceV02(baseDigest: string) {
  return {
    builder: { id: 'https://github.com/example/app/actions/runs/1' },
    buildType: 'https://mobyproject.org/buildkit@v1',
    materials: [
      {
        uri: 'pkg:docker/docker/dockerfile@1',
        digest: { sha256: '9ba7531bd80fb0a858632727cf7a112fbfd19b17e94c4e84ced81e24ef1a0dbc' },
      },
      {
        uri: 'pkg:docker/localhost/fixtures/debian-base@bookworm?platform=linux%2Famd64',
        digest: { sha256: hex(baseDigest) },
      },
    ],
    invocation: {
      configSource: { entryPoint: 'Dockerfile' },
      parameters: { frontend: 'gateway.v0', args: { cmdline: 'docker/dockerfile:1', source: 'docker/dockerfile:1' } },
      environment: { platform: 'linux/amd64' },
    },
    metadata: {
      buildInvocationID: 'c4a87v0sxhliuewig10gnsb6v',
      buildStartedOn: '2024-01-01T00:00:00Z',
      buildFinishedOn: '2024-01-01T00:00:09Z',
      reproducible: false,
      completeness: { parameters: true, environment: true, materials: false },
      'https://mobyproject.org/buildkit@v1#metadata': {
        vcs: { revision: 'a9ba846486420e07d30db1107411ac3697ecab68', source: 'https://github.com/example/app.git' },
      },
    },
  }
}

let dir = ''
let layout = ''
let scanned: Sbom
let manifestDigest = ''
let reg: TestRegistry

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipshape-attest-'))
  layout = join(dir, 'layout')
  cpSync(builtLayout('debian-min'), layout, { recursive: true })
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
  const imageDesc = index.manifests[0]
  manifestDigest = imageDesc.digest
  const manifest = JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', hex(manifestDigest)), 'utf8'))
  const baseIndex = JSON.parse(readFileSync(join(builtLayout('debian-base'), 'index.json'), 'utf8'))
  const baseDigest = baseIndex.manifests[0].digest as string

  scanned = await generateSbom(await openSource(parseImageRef(`oci-dir://${layout}:1.0`)))
  const spdx = JSON.parse(encodeSpdx(scanned))
  const subject = [{ name: '_', digest: { sha256: hex(manifestDigest) } }]
  const sbomStatement = putBlob(
    layout,
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://spdx.dev/Document',
      subject,
      predicate: spdx,
    }),
  )
  const provStatement = putBlob(
    layout,
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject,
      predicate: provenanceV02(baseDigest),
    }),
  )
  const attConfig = putBlob(
    layout,
    JSON.stringify({
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sbomStatement.digest, provStatement.digest] },
    }),
  )
  const attManifest = putBlob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...attConfig },
      layers: [
        {
          mediaType: 'application/vnd.in-toto+json',
          ...sbomStatement,
          annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' },
        },
        {
          mediaType: 'application/vnd.in-toto+json',
          ...provStatement,
          annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
        },
      ],
    }),
  )
  const imageIndex = putBlob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: imageDesc.mediaType,
          digest: manifestDigest,
          size: imageDesc.size,
          platform: { architecture: 'amd64', os: 'linux' },
        },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...attManifest,
          annotations: {
            'vnd.docker.reference.digest': manifestDigest,
            'vnd.docker.reference.type': 'attestation-manifest',
          },
          platform: { architecture: 'unknown', os: 'unknown' },
        },
      ],
    }),
  )
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          ...imageIndex,
          annotations: { 'org.opencontainers.image.ref.name': '1.0' },
        },
      ],
    }),
  )
  // A complete copy goes to a real registry (skopeo keeps the index, attestation manifest and digests) …
  cpSync(layout, join(dir, 'full'), { recursive: true })
  reg = startRegistry({ port: 5990 })
  const push = spawnSync(
    'skopeo',
    [
      'copy',
      '-q',
      '--all',
      '--preserve-digests',
      '--dest-tls-verify=false',
      `oci:${join(dir, 'full')}:1.0`,
      `docker://${reg.host}/fixtures/attested:1.0`,
    ],
    { encoding: 'utf8' },
  )
  if (push.status !== 0) throw new Error(`skopeo copy failed: ${push.stderr}`)
  // … and without its layers, the local image can only be described from its attestations.
  for (const l of manifest.layers) rmSync(join(layout, 'blobs', 'sha256', hex(l.digest)))
}, 120_000)

afterAll(() => {
  reg?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('build attestations (in-toto SPDX SBOM + SLSA provenance in the image index)', () => {
  it('--sbom-source auto takes the attested SBOM and reads no layer (the layer blobs are gone)', () => {
    const r = cli(['sbom', `oci-dir://${layout}:1.0`, '--format', 'json', '-q'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const sbom = JSON.parse(r.stdout) as Sbom
    expect(sbom.target.sbomSource).toBe('attestation')
    expect(sbom.target.manifestDigest).toBe(manifestDigest)
    const key = (s: Sbom) => s.packages.map((p) => `${p.kind}:${p.name}@${p.version}`).sort()
    expect(key(sbom)).toEqual(key(scanned))
    expect(sbom.packages.length).toBeGreaterThan(80)
  })

  it('the provenance names the base image (not the Dockerfile frontend) and the source repository and commit', () => {
    const r = cli(['sbom', `oci-dir://${layout}:1.0`, '--format', 'json', '-q'])
    const p = (JSON.parse(r.stdout) as Sbom).target.provenance
    expect(p?.slsaVersion).toBe('v0.2')
    expect(p?.baseImage?.name).toBe('localhost/fixtures/debian-base')
    expect(p?.baseImage?.tag).toBe('bookworm')
    expect(p?.baseImage?.platform).toBe('linux/amd64')
    expect(p?.source).toEqual({
      repository: 'https://github.com/example/app.git',
      revision: 'a9ba846486420e07d30db1107411ac3697ecab68',
      dockerfile: 'Dockerfile',
    })
  })

  it('quickview finds the base from the provenance and names the source the image was built from', async () => {
    const cache = join(dir, 'cache')
    await updateDb({
      cacheDir: cache,
      config: loadDbConfig({
        feedFlags: [`osv=${join(FIXTURES, 'vulndata', 'debian-bookworm-derived/osv')}`],
        env: {},
      }),
      importers: IMPORTERS,
      only: ['osv'],
    })
    const r = cli(['quickview', `oci-dir://${layout}:1.0`, '--format', 'json', '-q', '--cache-dir', cache])
    expect(r.stderr).toBe('')
    const q = JSON.parse(r.stdout) as { base?: { foundBy: string; name: string }; notes: string[] }
    expect(q.base).toMatchObject({ foundBy: 'provenance', name: 'localhost/fixtures/debian-base:bookworm' })
    expect(q.notes).toContain('Built from https://github.com/example/app.git at a9ba84648642 (provenance attestation).')
    expect(q.notes.some((n) => n.startsWith('Packages are from the SBOM attested to the image'))).toBe(true)
  })

  it('from a registry: the index’s attestation manifest is found the same way, and the image is never the attestation', async () => {
    const base = [
      'sbom',
      `registry://${reg.host}/fixtures/attested:1.0`,
      '--format',
      'json',
      '-q',
      '--insecure-registry',
      reg.host,
    ]
    const auto = await cliAsync([...base, '--cache-dir', join(dir, 'c-auto')])
    expect(auto.stderr).toBe('')
    const a = JSON.parse(auto.stdout) as Sbom
    expect(a.target.sbomSource).toBe('attestation')
    expect(a.target.manifestDigest).toBe(manifestDigest)
    expect(a.target.provenance?.baseImage?.name).toBe('localhost/fixtures/debian-base')
    // --sbom-source scan reads the layers from the registry; the packages agree, now with their layers.
    const scan = await cliAsync([
      ...base,
      '--sbom-source',
      'scan',
      '--platform',
      'linux/amd64',
      '--cache-dir',
      join(dir, 'c-scan'),
    ])
    expect(scan.stderr).toBe('')
    const b = JSON.parse(scan.stdout) as Sbom
    expect(b.target.sbomSource).toBe('scan')
    expect(b.target.provenance?.source?.revision).toBe('a9ba846486420e07d30db1107411ac3697ecab68')
    const key = (x: Sbom) => x.packages.map((p) => `${p.kind}:${p.name}@${p.version}`).sort()
    expect(key(b)).toEqual(key(a))
    expect(b.packages.every((p) => p.introducedIn.layer !== undefined)).toBe(true)
  })

  it('--sbom-source scan reads the layers, so here it fails naming the missing blob', () => {
    const r = cli(['sbom', `oci-dir://${layout}:1.0`, '--sbom-source', 'scan', '-q'])
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/^shipshape: layer 0 blob sha256:[0-9a-f]{64} is missing/)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('--sbom-source attestation on an image without attestations is NOT_FOUND (4)', () => {
    const r = cli(['sbom', `oci-dir://${builtLayout('debian-min')}:1.0`, '--sbom-source', 'attestation', '-q'])
    expect(r.code).toBe(4)
    expect(r.stderr).toContain('no SBOM attestation')
  })

  it('a bad --sbom-source value is a usage error (3)', () => {
    const r = cli(['sbom', `oci-dir://${layout}:1.0`, '--sbom-source', 'maybe'])
    expect(r.code).toBe(3)
  })

  it('parses BuildKit’s SLSA v1 statement (mode=min, FROM alpine:latest)', () => {
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      predicateType: 'https://slsa.dev/provenance/v1',
      subject: [
        {
          name: 'pkg:docker/<registry>/<image>@<tag/digest>?platform=<platform>',
          digest: { sha256: 'e8275b2b76280af67e26f068e5d585eb905f8dfd2f1918b3229db98133cb4862' },
        },
      ],
      predicate: {
        buildDefinition: {
          buildType: 'https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md',
          externalParameters: {
            configSource: { path: 'Dockerfile' },
            request: { frontend: 'dockerfile.v0', args: {}, locals: [{ name: 'context' }, { name: 'dockerfile' }] },
          },
          internalParameters: { builderPlatform: 'linux/amd64' },
          resolvedDependencies: [
            {
              uri: 'pkg:docker/alpine@latest?platform=linux%2Famd64',
              digest: { sha256: '8914eb54f968791faf6a8638949e480fef81e697984fba772b3976835194c6d4' },
            },
          ],
        },
        runDetails: {
          builder: { id: '' },
          metadata: {
            invocationId: 'yirbp1aosi1vqjmi3z6bc75nb',
            startedOn: '2022-12-08T11:48:59.466513707Z',
            finishedOn: '2022-12-08T11:49:01.256820297Z',
          },
        },
      },
    }
    const bytes = Buffer.from(JSON.stringify(statement))
    const a = parseAttestation({ digest: sha(bytes), mediaType: 'application/vnd.in-toto+json', bytes }, 'test')
    expect(a.kind).toBe('provenance')
    if (a.kind !== 'provenance') return
    expect(a.provenance.slsaVersion).toBe('v1')
    expect(a.provenance.baseImage).toEqual({
      name: 'alpine',
      tag: 'latest',
      platform: 'linux/amd64',
      digest: 'sha256:8914eb54f968791faf6a8638949e480fef81e697984fba772b3976835194c6d4',
    })
    expect(a.provenance.source).toEqual({ dockerfile: 'Dockerfile' })
    expect(a.provenance.startedOn).toBe('2022-12-08T11:48:59.466513707Z')
  })

  it('an attested SBOM that is not one is NOT_AN_IMAGE, naming the statement', async () => {
    const image = await openSource(parseImageRef(`oci-dir://${builtLayout('debian-min')}:1.0`))
    if (image.kind !== 'image') throw new Error('expected an image')
    const statement = JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://spdx.dev/Document',
      predicate: {},
    })
    const digest = sha(statement)
    let err: unknown
    try {
      sbomFromAttestation(image.image, {
        kind: 'sbom',
        format: 'spdx',
        digest,
        predicateType: 'https://spdx.dev/Document',
        subjects: [],
        statement,
      })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ShipshapeError)
    expect((err as ShipshapeError).code).toBe('NOT_AN_IMAGE')
    expect((err as ShipshapeError).message).toContain(`the attested SBOM ${digest} cannot be read`)
  })

  it('a statement that is not JSON is named by its digest', () => {
    const bytes = Buffer.from('{not json')
    expect(() =>
      parseAttestation({ digest: sha(bytes), mediaType: 'application/vnd.in-toto+json', bytes }, 'here'),
    ).toThrow(/attestation sha256:[0-9a-f]{64} is not JSON/)
  })
})
