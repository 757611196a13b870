// The real advisory records bundled in test/fixtures/vulndata, as `db update --feed NAME=PATH` flags: the offline
// DB of the demo and of the matching benchmark.
import { join, resolve } from 'node:path'

const V = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'vulndata')

export const FIXTURE_FEEDS = [
  ['osv', 'ghsa'],
  ['osv', 'pypi'],
  ['osv', 'go'],
  ['osv', 'crates'],
  ['osv', 'debian-bookworm-derived/osv'],
  ['rubysec', 'rubygems'],
  ['debian', 'debian/security-tracker/data/DSA/list'],
  ['debian', 'debian/security-tracker/data/DLA/list'],
  ['alpine', 'alpine'],
  ['nvd', 'nvd'],
  ['cve5', 'cve5'],
  ['kev', 'kev'],
  ['epss', 'epss'],
].flatMap(([name, path]) => ['--feed', `${name}=${join(V, path)}`])
