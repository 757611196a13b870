import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Route =
  | { kind: 'file'; body: Buffer; lastModified?: string }
  | { kind: 'status'; status: number }
  /** Accepts the request and never answers. */
  | { kind: 'hang' }
  /** Promises `declared` bytes, sends `body`, and closes the connection. */
  | { kind: 'truncate'; body: Buffer; declared: number }
  /** Answers 503 with Retry-After for the first `failures` requests, then the file. */
  | { kind: 'flaky'; failures: number; body: Buffer }

/**
 * A real HTTP server on 127.0.0.1 serving feed files, with ETag/If-None-Match and Last-Modified/If-Modified-Since
 * as the production feeds do, and the faults the update must survive.
 */
export class FeedServer {
  private server: Server | undefined
  readonly routes = new Map<string, Route>()
  readonly requests: { path: string; status: number; conditional: boolean }[] = []
  private flakyCount = new Map<string, number>()

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      const route = this.routes.get(url.pathname)
      const conditional = req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined
      const log = (status: number) => this.requests.push({ path: url.pathname + url.search, status, conditional })
      if (!route) {
        log(404)
        res.writeHead(404).end('not found')
        return
      }
      switch (route.kind) {
        case 'status':
          log(route.status)
          res.writeHead(route.status).end()
          return
        case 'hang':
          log(0)
          return
        case 'truncate':
          log(200)
          res.writeHead(200, { 'content-length': String(route.declared) })
          res.write(route.body)
          res.socket?.destroy()
          return
        case 'flaky': {
          const n = this.flakyCount.get(url.pathname) ?? 0
          this.flakyCount.set(url.pathname, n + 1)
          if (n < route.failures) {
            log(503)
            res.writeHead(503, { 'retry-after': '0' }).end()
            return
          }
          log(200)
          res.writeHead(200, { 'content-length': String(route.body.length) }).end(route.body)
          return
        }
        case 'file': {
          const etag = `"${createHash('sha256').update(route.body).digest('hex').slice(0, 16)}"`
          const lm = route.lastModified ?? 'Mon, 01 Jan 2024 00:00:00 GMT'
          if (
            req.headers['if-none-match'] === etag ||
            (!req.headers['if-none-match'] && req.headers['if-modified-since'] === lm)
          ) {
            log(304)
            res.writeHead(304, { etag, 'last-modified': lm }).end()
            return
          }
          log(200)
          res.writeHead(200, { etag, 'last-modified': lm, 'content-length': String(route.body.length) }).end(route.body)
          return
        }
        default: {
          const never: never = route
          throw new Error(`unknown route ${JSON.stringify(never)}`)
        }
      }
    })
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((r) => this.server?.close(() => r()))
  }
}
