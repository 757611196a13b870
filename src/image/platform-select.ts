import { ShipshapeError } from '../internal/index.js'
import { formatPlatform, hostPlatform, type Platform, samePlatform } from '../model/index.js'

/**
 * Docker's rule: the platform asked for, else this machine's, else the only one there is; anything else is
 * ambiguous and the user must say which.
 */
export function choosePlatform<T>(options: { d: T; p: Platform }[], want: Platform | undefined, where: string): T {
  const list = options.map((o) => formatPlatform(o.p)).join(', ')
  if (options.length === 0) throw new ShipshapeError('NOT_AN_IMAGE', 'image index lists no platform images', { where })
  if (want) {
    const hit = options.find((o) => samePlatform(o.p, want))
    if (!hit)
      throw new ShipshapeError('PLATFORM', `no image for platform ${formatPlatform(want)}; available: ${list}`, {
        where,
      })
    return hit.d
  }
  const host = options.find((o) => samePlatform(o.p, hostPlatform()))
  if (host) return host.d
  if (options.length === 1) return (options[0] as { d: T }).d
  throw new ShipshapeError(
    'PLATFORM',
    `image has several platforms and none is this machine's; pick one with --platform: ${list}`,
    {
      where,
    },
  )
}
