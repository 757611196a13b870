import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * rpm's own comparison as an oracle: `rpm --eval '%{lua: ...}'` runs a Lua loop inside rpm 4.18 that reads
 * pairs from a file and writes `rpm.vercmp(a, b)` for each to another. In rpm 4.18 `rpm.vercmp` parses both
 * sides as `[epoch:]version[-release]` (rpmverParse) and compares them with rpmverCmp (rpmio/rpmver.c), which
 * applies rpmvercmp to epoch, version and release in turn; on strings without `:` or `-` that is plain rpmvercmp.
 * One rpm process answers up to BATCH pairs.
 */

const BATCH = 50_000

const LUA = `
local dir = ...
local out = {}
for line in io.lines(dir .. "/pairs") do
  local a, b = line:match("^(%S+) (%S+)$")
  local ok, r = pcall(rpm.vercmp, a, b)
  out[#out + 1] = ok and tostring(r) or "E"
end
local f = io.open(dir .. "/out", "w")
f:write(table.concat(out, "\\n"), "\\n")
f:close()
`

/** rpm.vercmp for each pair: -1, 0, 1, or 'E' when rpm refused a version. */
export function rpmVercmp(pairs: ReadonlyArray<readonly [string, string]>): Array<number | 'E'> {
  const results: Array<number | 'E'> = []
  for (let start = 0; start < pairs.length; start += BATCH) {
    const batch = pairs.slice(start, start + BATCH)
    const dir = mkdtempSync(join(tmpdir(), 'rpm-oracle-'))
    try {
      for (const [a, b] of batch) {
        if (/[\s%]/.test(a) || /[\s%]/.test(b) || a === '' || b === '') {
          throw new Error(`cannot send ${JSON.stringify([a, b])} to the rpm oracle`)
        }
      }
      writeFileSync(join(dir, 'pairs'), `${batch.map(([a, b]) => `${a} ${b}`).join('\n')}\n`)
      writeFileSync(join(dir, 'oracle.lua'), LUA)
      // The directory name has no quote or percent sign (mkdtemp under tmpdir), so it is safe inside the macro.
      const expr = `%{lua: local f = assert(loadfile("${dir}/oracle.lua")); f("${dir}")}`
      const r = spawnSync('rpm', ['--eval', expr], { encoding: 'utf8' })
      if (r.error) throw new Error(`cannot run rpm (the rpm oracle needs Debian's rpm package): ${r.error.message}`)
      if (r.status !== 0 || /error/i.test(r.stderr)) throw new Error(`rpm --eval failed: ${r.stderr}`)
      const out = readFileSync(join(dir, 'out'), 'utf8').split('\n')
      out.pop()
      if (out.length !== batch.length) throw new Error(`rpm answered ${out.length} of ${batch.length} pairs`)
      for (const x of out) results.push(x === 'E' ? 'E' : Number(x))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return results
}
