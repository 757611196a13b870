export interface Platform {
  os: string
  architecture: string
  variant?: string
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`
}

/** Parses `os/arch[/variant]`; returns undefined when malformed. */
export function parsePlatform(s: string): Platform | undefined {
  const parts = s.split('/')
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) return undefined
  const [os, architecture, variant] = parts as [string, string, string | undefined]
  return normalisePlatform(variant ? { os, architecture, variant } : { os, architecture })
}

/** containerd's normalisation: the default arm64 variant is v8, amd64 has no variant worth comparing. */
export function normalisePlatform(p: Platform): Platform {
  const arch = (
    { x86_64: 'amd64', x86: '386', aarch64: 'arm64', armhf: 'arm', armel: 'arm' } as Record<string, string>
  )[p.architecture]
  const architecture = arch ?? p.architecture
  let variant = p.variant || undefined
  if (architecture === 'arm64' && variant === undefined) variant = 'v8'
  if (architecture === 'amd64' && variant === 'v1') variant = undefined
  return variant ? { os: p.os, architecture, variant } : { os: p.os, architecture }
}

export function samePlatform(a: Platform, b: Platform): boolean {
  const x = normalisePlatform(a)
  const y = normalisePlatform(b)
  return x.os === y.os && x.architecture === y.architecture && (x.variant ?? '') === (y.variant ?? '')
}

/** The platform of the machine we run on, as an image index names it. */
export function hostPlatform(): Platform {
  const arch = (
    { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<
      string,
      string
    >
  )[process.arch]
  return normalisePlatform({ os: 'linux', architecture: arch ?? process.arch })
}
