import { Command, CommanderError, Option } from 'commander'
import { errorMessage, isShipshapeError, ShipshapeError, TOOL_VERSION } from '../internal/index.js'

export interface Io {
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
}

/** A flag that may be repeated and takes comma-separated values, as docker scout's list flags do. */
function listOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser((v: string, prev: string[] | undefined) => [
    ...(prev ?? []),
    ...v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ])
}

/** How images in registries are reached, and whether an attested SBOM may stand in for reading the layers. */
function sourceOptions(c: Command): Command {
  return c
    .addOption(
      listOption('--insecure-registry <hosts>', 'registries (host[:port]) to reach over plain HTTP or unverified TLS'),
    )
    .option('--username <user>', 'registry user (else $SHIPSHAPE_REGISTRY_USERNAME, else ~/.docker/config.json)')
    .option('--password <password>', 'registry password or token (else $SHIPSHAPE_REGISTRY_PASSWORD)')
    .option('--registry-ca <file>', 'extra PEM CA certificates to trust for registries')
    .option(
      '--config <file>',
      'config file with registry mirrors and insecure hosts (default: ~/.config/shipshape/config.yaml)',
    )
    .addOption(
      new Option(
        '--sbom-source <source>',
        'attestation: the SBOM attached to the image; scan: read the layers; auto: attestation when there is one',
      )
        .choices(['auto', 'attestation', 'scan'])
        .default('auto'),
    )
}

/** Parses argv, runs one command, and turns every failure into one line on stderr and an exit code. */
export async function main(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const debug = argv.includes('--debug')
  const program = new Command('shipshape')
    .description('What is inside a container image, and which known vulnerabilities affect it')
    .version(TOOL_VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => {},
    })
    .showHelpAfterError(false)
    .addHelpText(
      'after',
      `
Exit codes: 0 success; 2 vulnerabilities remain (cves --exit-code); 1 internal error; 3 usage; 4 not found;
5 not an image; 6 corrupt archive; 7 corrupt layer; 8 digest mismatch; 9 path traversal; 10 absolute path;
11 symlink loop; 12 symlink escape; 13 decompression bomb; 14 platform; 15 unsupported; 16 output;
17 no vulnerability DB; 18 invalid DB; 19 feed failed; 20 checksum mismatch; 21 DB update busy;
22 registry authentication; 23 network (registry or engine unreachable); 24 engine error.`,
    )

  sourceOptions(program.command('sbom'))
    .description('List the packages of an image (from a registry, an engine, an archive, a layout or a filesystem)')
    .argument(
      '<image>',
      'image reference: registry://NAME[:TAG|@DIGEST], local://NAME[:TAG] (engine), image://NAME[:TAG] or NAME:TAG (engine, else registry), archive://FILE.tar[:NAME], oci-dir://DIR[:TAG], fs://DIR, or a bare path',
    )
    .addOption(
      listOption('--format <formats>', 'output formats, comma-separated or repeated: list, json, cyclonedx, spdx'),
    )
    .option('-o, --output <file>', 'write to FILE (with several formats: FILE.<ext> per format)')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image')
    .option(
      '--cache-dir <dir>',
      'cache root for downloaded blobs (default: $SHIPSHAPE_CACHE_DIR, else ~/.cache/shipshape)',
    )
    .addOption(
      listOption(
        '--only-package-type <types>',
        'only these package types, comma-separated or repeated (deb, apk, rpm, …)',
      ),
    )
    .option('-q, --quiet', 'no progress or warnings on stderr')
    .option('--debug', 'debug messages and stack traces')
    .action(async (image: string, opts: Record<string, unknown>) => {
      const { runSbom } = await import('./sbom.js')
      code = await runSbom(image, opts, io)
    })

  const imageOptions = (c: Command) =>
    sourceOptions(c)
      .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image')
      .option('--cache-dir <dir>', 'where the DB lives (default: $SHIPSHAPE_CACHE_DIR, else ~/.cache/shipshape)')
      .option('--no-cache', 'read the layers even when the SBOM of the image is cached')
      .option('-q, --quiet', 'no progress on stderr')
      .option('--debug', 'debug messages and stack traces')
  imageOptions(
    program
      .command('cves')
      .description('List the known vulnerabilities of an image (or of an SBOM: sbom://FILE)')
      .argument('<image>', 'image reference (as for sbom) or sbom://FILE')
      .addOption(
        listOption(
          '--format <formats>',
          'packages (default), only-packages, json, sarif, markdown, gitlab; comma-separated or repeated',
        ),
      )
      .option('-o, --output <file>', 'write to FILE (with several formats: FILE.<ext> per format)')
      .addOption(listOption('--only-severity <levels>', 'c, h, m, l, u (critical, high, medium, low, unspecified)'))
      .option('--only-fixed', 'only vulnerabilities with a fix')
      .option('--only-unfixed', 'only vulnerabilities without a fix')
      .addOption(listOption('--only-package-type <types>', 'only these package types (deb, apk, rpm, npm, pypi, …)'))
      .option('--only-package <regex>', 'only packages whose name matches')
      .addOption(listOption('--only-cve-id <ids>', 'only these vulnerabilities (any of their ids)'))
      .option('--only-cisa-kev', 'only vulnerabilities in CISA KEV')
      .option('--only-vuln-packages', 'package tables list only vulnerable packages')
      .option('--epss', 'show EPSS scores')
      .option('--epss-score <0..1>', 'only vulnerabilities with at least this EPSS score')
      .option('--epss-percentile <0..1>', 'only vulnerabilities with at least this EPSS percentile')
      .option('--locations', 'show every file each package was read from, with its layer')
      .option(
        '--policy <file>',
        'exceptions: ignore entries with id, package, path, reason, expires (default: ./.shipshape.yaml)',
      )
      .addOption(listOption('--vex <files>', 'OpenVEX documents: not_affected and fixed statements suppress findings'))
      .option('--ignore-suppressed', 'leave suppressed findings out instead of marking them')
      .option('--ignore-base', "only vulnerabilities of packages from the image's own layers, not its base image's")
      .option('--only-base', 'only vulnerabilities of packages that came with the base image')
      .option('-e, --exit-code', 'exit with 2 when vulnerabilities remain after the filters'),
  ).action(async (image: string, opts: Record<string, unknown>) => {
    const { runCves } = await import('./cves.js')
    code = await runCves(image, opts, io)
  })
  imageOptions(
    program
      .command('quickview')
      .alias('qv')
      .description('Severity counts of an image and its base image at a glance')
      .argument('<image>', 'image reference (as for sbom) or sbom://FILE')
      .option('--format <format>', 'text, markdown or json', 'text')
      .option('-o, --output <file>', 'write to FILE instead of stdout'),
  ).action(async (image: string, opts: Record<string, unknown>) => {
    const { runQuickview } = await import('./cves.js')
    code = await runQuickview(image, opts, io)
  })
  imageOptions(
    program
      .command('recommendations')
      .description("Refresh and update advice for the image's base image, from the base-image catalogue")
      .argument('<image>', 'image reference (as for cves) or sbom://FILE')
      .option('--only-refresh', 'only the refreshed base (the same tag, newer digest)')
      .option('--only-update', 'only updated bases (other tags of the repository)')
      .option('--tag <regex>', 'only base tags matching this regular expression')
      .option('--format <format>', 'text, markdown or json', 'text')
      .option('-o, --output <file>', 'write to FILE instead of stdout'),
  ).action(async (image: string, opts: Record<string, unknown>) => {
    const { runRecommendations } = await import('./base.js')
    code = await runRecommendations(image, opts, io)
  })
  const base = program.command('base').description('The base-image catalogue: known images for detection and advice')
  imageOptions(
    base
      .command('index')
      .description('Analyse images (or every tag of a registry repository) and add them to the catalogue')
      .argument('[images...]', 'image references (as for cves)')
      .option('--as <name[:tag]>', 'catalogue the one image under this repository and tag')
      .addOption(listOption('--repository <repos>', 'registry://HOST/REPO: index every tag (incrementally)'))
      .option('--tag <regex>', 'with --repository: only tags matching this regular expression'),
  ).action(async (images: string[], opts: Record<string, unknown>) => {
    const { runBaseIndex } = await import('./base.js')
    code = await runBaseIndex(images, opts, io)
  })
  base
    .command('list')
    .description('What the catalogue holds')
    .option('--cache-dir <dir>', 'cache root (default: $SHIPSHAPE_CACHE_DIR, else ~/.cache/shipshape)')
    .option('--format <format>', 'text or json', 'text')
    .action(async (opts: Record<string, unknown>) => {
      const { runBaseList } = await import('./base.js')
      code = await runBaseList(opts, io)
    })

  imageOptions(
    program
      .command('compare')
      .alias('diff')
      .description('Compare two images (or SBOMs): packages and vulnerabilities added, removed and changed')
      .argument('<image>', 'the image to judge (as for cves; sbom://FILE too)')
      .requiredOption('--to <image>', 'the image to compare with (as for cves; sbom://FILE too)')
      .option('--format <format>', 'text, markdown or json', 'text')
      .option('-o, --output <file>', 'write to FILE instead of stdout')
      .option('--ignore-unchanged', 'leave unchanged packages out')
      .addOption(listOption('--only-severity <severities>', 'only vulnerabilities of these severities (c, h, m, l, u)'))
      .addOption(
        listOption(
          '-x, --exit-on <conditions>',
          'exit with 2 when the image is worse than --to: vulnerability (more vulnerabilities), package (packages changed)',
        ),
      ),
  ).action(async (image: string, opts: Record<string, unknown>) => {
    const { runCompare } = await import('./compare.js')
    code = await runCompare(image, opts, io)
  })

  const cache = program
    .command('cache')
    .description('The local caches: SBOMs of images already read, and registry blobs')
  cache
    .command('df')
    .description('How many SBOMs and blobs are cached and how much room they take')
    .option('--cache-dir <dir>', 'cache root (default: $SHIPSHAPE_CACHE_DIR, else ~/.cache/shipshape)')
    .option('--format <format>', 'text or json', 'text')
    .action(async (opts: Record<string, unknown>) => {
      const { runCacheDf } = await import('./cves.js')
      code = await runCacheDf(opts, io)
    })
  cache
    .command('prune')
    .description('Remove cached SBOMs and blobs: all of them, or those not used for a while (--older-than 30d)')
    .option('--cache-dir <dir>', 'cache root (default: $SHIPSHAPE_CACHE_DIR, else ~/.cache/shipshape)')
    .option('--all', 'remove every entry (the default without --older-than)')
    .option('--older-than <duration>', 'only entries last used longer ago than this (90s, 30m, 12h, 5d)')
    .option('--sboms', 'only the SBOM cache')
    .option('--blobs', 'only the registry blob cache')
    .option('-q, --quiet', 'no summary')
    .action(async (opts: Record<string, unknown>) => {
      const { runCachePrune } = await import('./cves.js')
      code = await runCachePrune(opts, io)
    })

  const db = program.command('db').description('The vulnerability database: update, status, import, export')
  const dbCommon = (c: Command) =>
    c
      .option('--cache-dir <dir>', 'where the DB lives (default: $SHIPSHAPE_CACHE_DIR, else ~/.cache/shipshape)')
      .option('--config <file>', 'config file (default: ~/.config/shipshape/config.yaml when present)')
      .option('-q, --quiet', 'no progress or summary')
      .option('--debug', 'debug messages and stack traces')
  dbCommon(
    db
      .command('update')
      .description('Download every configured feed, build a new DB beside the old one, and swap it in')
      .addOption(listOption('--feed <NAME=URL>', 'feed URL or local path (repeatable; NAME=off leaves a feed out)'))
      .addOption(
        listOption(
          '--only <feeds>',
          `only these feeds: ${['osv', 'debian', 'alpine', 'nvd', 'cve5', 'kev', 'epss', 'rubysec'].join(', ')}`,
        ),
      ),
  ).action(async (opts: Record<string, unknown>) => {
    const { runDbUpdate } = await import('./db.js')
    code = await runDbUpdate(opts, io)
  })
  dbCommon(db.command('status').description('When the DB was built, from what, and how many records per namespace'))
    .option('--format <format>', 'text or json', 'text')
    .action(async (opts: Record<string, unknown>) => {
      const { runDbStatus } = await import('./db.js')
      code = await runDbStatus(opts, io)
    })
  dbCommon(
    db
      .command('import')
      .description('Install a DB exported elsewhere (verified against its .sha256)')
      .argument('<file|dir>'),
  ).action(async (input: string, opts: Record<string, unknown>) => {
    const { runDbImport } = await import('./db.js')
    code = await runDbImport(input, opts, io)
  })
  dbCommon(
    db.command('export').description('Write the DB and FILE.sha256 for an air-gapped machine').argument('<file>'),
  ).action(async (file: string, opts: Record<string, unknown>) => {
    const { runDbExport } = await import('./db.js')
    code = await runDbExport(file, opts, io)
  })

  let code = 0
  try {
    await program.parseAsync(argv, { from: 'user' })
    return code
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        return 0
      io.stderr.write(`shipshape: ${e.message.replace(/^error: /, '')}\n`)
      return new ShipshapeError('USAGE', e.message).exitCode
    }
    if (isShipshapeError(e)) {
      io.stderr.write(`shipshape: ${e.oneLine()}\n`)
      if (debug && e.stack) io.stderr.write(`${e.stack}\n`)
      return e.exitCode
    }
    io.stderr.write(`shipshape: internal error: ${errorMessage(e)}\n`)
    if (debug && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`)
    return 1
  }
}
