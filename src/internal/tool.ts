import { readFileSync } from 'node:fs'

function readVersion(): string {
  // dist/src/internal/tool.js and src/internal/tool.ts both sit three levels below the package root.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'shipshape' && pkg.version) return pkg.version
    } catch {}
  }
  return '0.0.0'
}

export const TOOL_NAME = 'shipshape'
export const TOOL_VERSION = readVersion()
