import { createRequire } from 'node:module'

type Yaml = typeof import('yaml')
let yamlModule: Yaml | undefined

/**
 * The `yaml` package, loaded on first use: it is needed only for policy files, lockfiles of some kinds, configs and
 * some feeds, and loading it at start-up costs a scan about 60 ms.
 */
export function yaml(): Yaml {
  yamlModule ??= createRequire(import.meta.url)('yaml') as Yaml
  return yamlModule
}
