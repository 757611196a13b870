import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

/** One member of a hand-made layer. Names are written exactly as given, hostile ones included. */
export interface TarSpec {
  name: string
  type?: 'file' | 'dir' | 'symlink' | 'hardlink'
  content?: string | Buffer
  linkname?: string
  mode?: number
}

function field(buf: Buffer, off: number, len: number, value: string): void {
  buf.write(value, off, Math.min(len, Buffer.byteLength(value)), 'utf8')
}

function octalField(buf: Buffer, off: number, len: number, n: number): void {
  field(buf, off, len, `${n.toString(8).padStart(len - 1, '0')}\u0000`)
}

/** A ustar header block with a correct checksum. */
export function tarHeader(spec: TarSpec, size: number): Buffer {
  const h = Buffer.alloc(512)
  field(h, 0, 100, spec.name)
  const type = spec.type ?? 'file'
  octalField(h, 100, 8, spec.mode ?? (type === 'dir' ? 0o755 : 0o644))
  octalField(h, 108, 8, 0)
  octalField(h, 116, 8, 0)
  octalField(h, 124, 12, size)
  octalField(h, 136, 12, 1704067200)
  h.write('        ', 148, 'ascii')
  h.write({ file: '0', dir: '5', symlink: '2', hardlink: '1' }[type], 156, 'ascii')
  if (spec.linkname) field(h, 157, 100, spec.linkname)
  h.write('ustar\u000000', 257, 'binary')
  let sum = 0
  for (const b of h) sum += b
  field(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\u0000 `)
  return h
}

export function makeTar(entries: TarSpec[]): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    const data = e.type === undefined || e.type === 'file' ? Buffer.from(e.content ?? '') : Buffer.alloc(0)
    parts.push(tarHeader(e, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512))
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

export function sha256(b: Buffer | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`
}

export interface LayerBlob {
  /** The uncompressed tar, for the diff_id. */
  tar: Buffer
  /** What is stored (compressed or not). */
  blob: Buffer
  mediaType: string
}

export function gzipLayer(tar: Buffer): LayerBlob {
  return { tar, blob: gzipSync(tar), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }
}

export interface LayoutOptions {
  /** Digest written in the manifest for each layer (default: the blob's real digest). */
  layerDigest?: (i: number, real: string) => string
  diffId?: (i: number, real: string) => string
  platform?: { os: string; architecture: string; variant?: string }
  tag?: string
}

function writeBlob(dir: string, data: Buffer | string, digest = sha256(data)): string {
  writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), data)
  return digest
}

/** Writes an OCI image layout holding one image built from the given layers. */
export function writeOciLayout(dir: string, layers: LayerBlob[], opts: LayoutOptions = {}): { manifestDigest: string } {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true })
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' }
  const descs = layers.map((l, i) => {
    const real = sha256(l.blob)
    const digest = opts.layerDigest ? opts.layerDigest(i, real) : real
    writeBlob(dir, l.blob, digest)
    return { mediaType: l.mediaType, digest, size: l.blob.length }
  })
  const config = JSON.stringify({
    ...platform,
    created: '2024-01-01T00:00:00Z',
    config: { Labels: { 'org.example.fixture': 'yes' } },
    rootfs: {
      type: 'layers',
      diff_ids: layers.map((l, i) => (opts.diffId ? opts.diffId(i, sha256(l.tar)) : sha256(l.tar))),
    },
    history: layers.map((_, i) => ({ created_by: `fixture layer ${i}` })),
  })
  const configDigest = writeBlob(dir, config)
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: Buffer.byteLength(config),
    },
    layers: descs,
  })
  const manifestDigest = writeBlob(dir, manifest)
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: Buffer.byteLength(manifest),
          annotations: { 'org.opencontainers.image.ref.name': opts.tag ?? 'latest' },
        },
      ],
    }),
  )
  return { manifestDigest }
}

/** A minimal Debian-like root: os-release and a dpkg status with the given paragraphs. */
export function debianRoot(status: string, extra: TarSpec[] = []): TarSpec[] {
  return [
    { name: 'etc/', type: 'dir' },
    { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' },
    { name: 'var/', type: 'dir' },
    { name: 'var/lib/', type: 'dir' },
    { name: 'var/lib/dpkg/', type: 'dir' },
    { name: 'var/lib/dpkg/status', content: status },
    ...extra,
  ]
}

export function statusParagraph(name: string, version: string, extra = ''): string {
  return `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n${extra}`
}
