import type { Compression } from './types.js'

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayerTar: 'application/vnd.docker.image.rootfs.diff.tar',
} as const

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MT.ociIndex || mt === MT.dockerList
}

export function isManifestMediaType(mt: string | undefined): boolean {
  return mt === MT.ociManifest || mt === MT.dockerManifest
}

/** What compression a layer media type claims (`+gzip`, `+zstd`, docker's `.tar.gzip`, or a plain tar). */
export function compressionOf(mediaType: string): Compression | undefined {
  if (/(\+gzip|\.tar\.gzip|\.gzip)$/.test(mediaType)) return 'gzip'
  if (/\+zstd$/.test(mediaType)) return 'zstd'
  if (/(\.tar|\.v1\.tar)$/.test(mediaType)) return 'none'
  return undefined
}

export function isLayerMediaType(mt: string): boolean {
  return (
    mt.startsWith('application/vnd.oci.image.layer.') ||
    mt.startsWith('application/vnd.docker.image.rootfs.') ||
    mt.startsWith('application/vnd.docker.image.rootfs.foreign.')
  )
}
