import { execFile, spawnSync } from 'node:child_process'

/**
 * dpkg's own version rules as oracles:
 * - Dpkg::Version (Perl, package libdpkg-perl): one long-lived `perl` process per batch, all requests written to
 *   its stdin, all answers read back, one per line;
 * - `dpkg --compare-versions` (the C implementation, lib/dpkg/version.c): one process per question, a few at a
 *   time, for what the Perl module cannot answer exactly (digit runs of 2^64 and more, which Perl turns into
 *   doubles) and for the C parser's own refusals (`1.0:`, epochs past INT_MAX, a colon in the revision).
 */

const PERL = String.raw`
use strict;
use warnings;
use Dpkg::Version;
while (my $line = <STDIN>) {
  chomp $line;
  my ($op, $a, $b) = split /\t/, $line, -1;
  if ($op eq 'c') {
    my $r = eval { version_compare($a, $b) };
    print defined($r) ? "$r\n" : "E\n";
  } else {
    print scalar(version_check($a)) ? "1\n" : "0\n";
  }
}
`

function perl(lines: string[]): string[] {
  const r = spawnSync('perl', ['-e', PERL], {
    input: `${lines.join('\n')}\n`,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  })
  if (r.error) throw new Error(`cannot run perl (the Dpkg::Version oracle needs libdpkg-perl): ${r.error.message}`)
  if (r.status !== 0) throw new Error(`perl -MDpkg::Version failed (is libdpkg-perl installed?): ${r.stderr}`)
  const out = r.stdout.split('\n')
  out.pop()
  if (out.length !== lines.length) throw new Error(`Dpkg::Version answered ${out.length} of ${lines.length} lines`)
  return out
}

function checkField(s: string): void {
  if (/[\t\n]/.test(s)) throw new Error(`cannot send ${JSON.stringify(s)} to the oracle`)
}

/** Dpkg::Version's version_compare for each pair: -1, 0, 1, or 'E' when it refused a version. */
export function perlCompare(pairs: ReadonlyArray<readonly [string, string]>): Array<number | 'E'> {
  const lines = pairs.map(([a, b]) => {
    checkField(a)
    checkField(b)
    return `c\t${a}\t${b}`
  })
  return perl(lines).map((x) => (x === 'E' ? 'E' : Number(x)))
}

/** Dpkg::Version's version_check for each string. */
export function perlValid(strings: readonly string[]): boolean[] {
  const lines = strings.map((s) => {
    checkField(s)
    return `v\t${s}`
  })
  return perl(lines).map((x) => x === '1')
}

/** Runs `jobs` with at most `width` at a time, keeping their order. */
async function pool<T>(jobs: Array<() => Promise<T>>, width = 6): Promise<T[]> {
  const out: T[] = new Array(jobs.length)
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++
      out[i] = await (jobs[i] as () => Promise<T>)()
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker))
  return out
}

function dpkgAsync(args: string[]): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('dpkg', args, { encoding: 'utf8' }, (err, _stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(`cannot run dpkg: ${err.message}`))
      else resolve({ status: err ? Number(err.code) : 0, stderr })
    })
  })
}

/**
 * Whether the C parser takes each string cleanly: dpkg exits 2 on a hard error ("epoch in version is not
 * number") and prints a warning for the softer ones ("version number does not start with digit", "invalid
 * character in revision number"). Strings starting with `-` would be read as options: callers leave them out.
 */
export function dpkgAcceptsAll(strings: readonly string[]): Promise<boolean[]> {
  return pool(
    strings.map((s) => async () => {
      const r = await dpkgAsync(['--compare-versions', s, 'eq', s])
      return r.status === 0 && r.stderr === ''
    }),
  )
}

/** `dpkg --compare-versions` as -1, 0 or 1 for each pair of versions dpkg takes without a warning. */
export function dpkgCompareAll(pairs: ReadonlyArray<readonly [string, string]>): Promise<number[]> {
  return pool(
    pairs.map(([a, b]) => async () => {
      const lt = await dpkgAsync(['--compare-versions', a, 'lt', b])
      if (lt.stderr !== '' || lt.status > 1) throw new Error(`dpkg complained about ${a} or ${b}: ${lt.stderr}`)
      if (lt.status === 0) return -1
      const eq = await dpkgAsync(['--compare-versions', a, 'eq', b])
      return eq.status === 0 ? 0 : 1
    }),
  )
}
