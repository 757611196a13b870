import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { REPO } from './images.js'

/** ../shared/images/engine.sh: podman's Docker-compatible API service with all state in one directory. */
export const ENGINE_SH = resolve(process.env.SHIPSHAPE_SHARED ?? join(REPO, '..', 'shared'), 'images', 'engine.sh')

export interface Engine {
  dir: string
  socket: string
  dockerHost: string
  load(...archives: string[]): void
  /** A detached container (`--network none`, default command `sleep 3600`); returns its id. */
  run(image: string, name: string, ...cmd: string[]): string
  podman(...args: string[]): string
  clean(): void
}

function sh(args: string[], timeout = 300_000): string {
  return execFileSync('bash', [ENGINE_SH, ...args], { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Starts a podman service in a fresh temp dir (short path: unix socket paths are limited to 108 bytes). */
export function startEngine(): Engine {
  const dir = mkdtempSync('/tmp/shipshape-eng-')
  let cleaned = false
  try {
    sh(['start', dir], 120_000)
  } catch (e) {
    const err = e as { stderr?: string; message: string }
    try {
      sh(['clean', dir])
    } catch {
      rmSync(dir, { recursive: true, force: true })
    }
    throw new Error(`engine.sh start failed: ${err.stderr?.trim() || err.message}`)
  }
  const socket = join(dir, 'podman.sock')
  return {
    dir,
    socket,
    dockerHost: `unix://${socket}`,
    load: (...archives) => void sh(['load', dir, ...archives]),
    run: (image, name, ...cmd) =>
      sh(['run', dir, image, name, ...cmd])
        .trim()
        .split('\n')
        .pop() ?? '',
    podman: (...args) => sh(['podman', dir, ...args]),
    clean: () => {
      if (cleaned) return
      cleaned = true
      sh(['clean', dir])
    },
  }
}

/** One engine for a describe block: started in beforeAll (then `setup` runs), cleaned in afterAll. */
export function useEngine(setup?: (e: Engine) => void | Promise<void>): { readonly engine: Engine } {
  const holder: { engine?: Engine } = {}
  beforeAll(async () => {
    holder.engine = startEngine()
    await setup?.(holder.engine)
  }, 600_000)
  afterAll(() => {
    holder.engine?.clean()
  }, 120_000)
  return {
    get engine(): Engine {
      if (!holder.engine) throw new Error('engine not started')
      return holder.engine
    },
  }
}

export type ProxyMode =
  | { kind: 'pass' }
  /** Flip one byte of every image export (`GET /images/{name}/get`) at this offset. */
  | { kind: 'flip'; offset: number }
  /** Cut the connection of every image export after this many body bytes. */
  | { kind: 'cut'; after: number }
  /**
   * Refuse versioned paths below this API version the way Docker 29.0 does (400 with moby's message, from its
   * integration test `TestAPIClientVersionOldNotSupported`), forwarding the rest.
   */
  | { kind: 'min-api'; version: string }

/**
 * A second unix socket in front of the real engine that forwards every request and records it, so a test can
 * count what a client asked the engine for, or damage an export on its way.
 */
export interface EngineProxy {
  socket: string
  dockerHost: string
  /** `METHOD path` of every request seen. */
  requests: string[]
  mode: ProxyMode
  close(): Promise<void>
}

export async function startProxy(upstreamSocket: string, socket: string): Promise<EngineProxy> {
  const proxy: EngineProxy = {
    socket,
    dockerHost: `unix://${socket}`,
    requests: [],
    mode: { kind: 'pass' },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    proxy.requests.push(`${req.method} ${req.url}`)
    const mode = proxy.mode
    const v = /^\/v(\d+)\.(\d+)\//.exec(req.url ?? '')
    if (mode.kind === 'min-api' && v) {
      const [maj, min] = mode.version.split('.').map(Number) as [number, number]
      if (Number(v[1]) < maj || (Number(v[1]) === maj && Number(v[2]) < min)) {
        res.writeHead(400, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            message: `client version ${v[1]}.${v[2]} is too old. Minimum supported API version is ${mode.version}, please upgrade your client to a newer version`,
          }),
        )
        return
      }
    }
    const isExport = /\/images\/.+\/get(\?|$)/.test(req.url ?? '')
    const up = httpRequest(
      { socketPath: upstreamSocket, path: req.url, method: req.method, headers: req.headers },
      (ures) => {
        const headers = { ...ures.headers }
        delete headers['content-length']
        delete headers['transfer-encoding']
        res.writeHead(ures.statusCode ?? 502, headers)
        let seen = 0
        let cut = false
        ures.on('data', (chunk: Buffer) => {
          if (cut) return
          const start = seen
          seen += chunk.length
          if (isExport && ures.statusCode === 200 && mode.kind === 'flip') {
            if (mode.offset >= start && mode.offset < seen) {
              const c = Buffer.from(chunk)
              c[mode.offset - start] = (c[mode.offset - start] ?? 0) ^ 0xff
              chunk = c
            }
          }
          if (isExport && ures.statusCode === 200 && mode.kind === 'cut' && seen > mode.after) {
            cut = true
            const keep = chunk.subarray(0, Math.max(0, mode.after - start))
            res.write(keep, () => {
              ures.destroy()
              res.socket?.destroy()
            })
            return
          }
          if (!res.write(chunk)) {
            ures.pause()
            res.once('drain', () => ures.resume())
          }
        })
        ures.on('end', () => res.end())
        ures.on('error', () => res.destroy())
      },
    )
    up.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    req.pipe(up)
  })
  await new Promise<void>((r, j) => {
    server.once('error', j)
    server.listen(socket, () => r())
  })
  return proxy
}
