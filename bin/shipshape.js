#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js'

// `shipshape sbom … | head` closes our stdout early; that is the reader's choice, not a failure.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw e
})

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
