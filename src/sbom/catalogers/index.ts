import type { Cataloger } from '../cataloger.js'
import { apkCataloger } from './apk/index.js'
import { composerCataloger } from './composer/index.js'
import { dotnetCataloger } from './dotnet/index.js'
import { dpkgCataloger } from './dpkg/index.js'
import { gemCataloger } from './gem/index.js'
import { goBinaryCataloger } from './go-binary/index.js'
import { javaCataloger } from './java/index.js'
import { npmCataloger } from './npm/index.js'
import { pythonCataloger } from './python/index.js'
import { rpmCataloger } from './rpm/index.js'
import { rustCataloger } from './rust/index.js'

/** Every cataloger, one line each; order only decides the order of packages before sorting. */
// biome-ignore format: one registration line per cataloger
export const CATALOGERS: readonly Cataloger[] = [
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
  javaCataloger,
  npmCataloger,
  pythonCataloger,
  gemCataloger,
  composerCataloger,
  dotnetCataloger,
  goBinaryCataloger,
  rustCataloger,
]
