// Runs the built CLI in this process and records its peak RSS (KiB) to the file named by argv[2].
import { writeFileSync } from 'node:fs'
import { main } from '../../dist/src/cli/main.js'

const [out, ...args] = process.argv.slice(2)
const code = await main(args)
writeFileSync(out, String(process.resourceUsage().maxRSS))
process.exitCode = code
