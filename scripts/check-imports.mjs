#!/usr/bin/env node
// Checks the one-way import direction of DESIGN.md:
//   model ← image ← filetree ← sbom ← match(+version, vulndb) ← analysis ← output ← cli/server
// inventory depends on model only; nothing imports cli; only cli imports server; web imports only model types.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')

const base = ['model', 'internal']
const ALLOWED = {
  model: [],
  internal: ['model'],
  image: [...base],
  filetree: [...base, 'image'],
  sbom: [...base, 'image', 'filetree'],
  version: [...base],
  vulndb: [...base, 'version'],
  match: [...base, 'image', 'filetree', 'sbom', 'version', 'vulndb'],
  analysis: [...base, 'image', 'filetree', 'sbom', 'version', 'vulndb', 'match'],
  output: [...base, 'image', 'filetree', 'sbom', 'version', 'vulndb', 'match', 'analysis'],
  inventory: [...base],
  agent: [...base, 'image', 'filetree', 'sbom'],
  server: [...base, 'image', 'filetree', 'sbom', 'version', 'vulndb', 'match', 'analysis', 'output', 'inventory'],
  cli: [
    ...base,
    'image',
    'filetree',
    'sbom',
    'version',
    'vulndb',
    'match',
    'analysis',
    'output',
    'inventory',
    'agent',
    'server',
  ],
  '(root)': [...base, 'image', 'filetree', 'sbom', 'version', 'vulndb', 'match', 'analysis', 'output', 'inventory'],
}

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) yield* files(p)
    else if (p.endsWith('.ts')) yield p
  }
}

function moduleOf(file) {
  const rel = relative(src, file).split(sep)
  return rel.length === 1 ? '(root)' : rel[0]
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g
const problems = []
let count = 0
for (const file of files(src)) {
  const from = moduleOf(file)
  const allowed = ALLOWED[from]
  if (!allowed) {
    problems.push(`${relative(root, file)}: module ${from} is not in the import map of scripts/check-imports.mjs`)
    continue
  }
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2]
    if (!spec.startsWith('.')) continue
    count++
    const target = resolve(dirname(file), spec)
    if (!target.startsWith(src + sep)) {
      problems.push(`${relative(root, file)}: imports ${spec}, outside src/`)
      continue
    }
    const to = moduleOf(target.endsWith('.js') ? target : `${target}.js`)
    if (to === from) continue
    if (to === '(root)') problems.push(`${relative(root, file)}: imports the package entry ${spec}`)
    else if (!allowed.includes(to)) problems.push(`${relative(root, file)}: ${from} must not import ${to} (${spec})`)
  }
}
// Every module folder has an explicit index.ts.
for (const name of readdirSync(src)) {
  const p = join(src, name)
  if (statSync(p).isDirectory() && !readdirSync(p).includes('index.ts')) problems.push(`src/${name}: no index.ts`)
}
if (problems.length) {
  console.error(`import direction: ${problems.length} problem(s)\n${problems.join('\n')}`)
  process.exit(1)
}
console.log(`import direction: ok (${count} relative imports checked)`)
