import type { ContentPolicy } from './content-policy.js'
import type { FileInspector, InspectionResult, InspectorSink } from './types.js'

const DEFAULT_HEAD = 64

function failure(e: unknown): InspectionResult {
  return { ok: false, error: e instanceof Error ? e.message : String(e) }
}

/**
 * Runs the inspectors that accept one file over its bytes as they arrive: first gathers the head they need,
 * then opens their sinks and feeds them. An inspector that throws is recorded as failed for that file only.
 */
export class FileInspection {
  private head: Buffer[] = []
  private headLen = 0
  private sinks: { id: string; sink: InspectorSink; failed?: InspectionResult }[] | undefined
  private readonly headBytes: number

  constructor(
    private readonly path: string,
    private readonly size: number,
    private readonly candidates: FileInspector[],
    private readonly policy: ContentPolicy,
  ) {
    this.headBytes = Math.min(size, Math.max(...candidates.map((c) => c.headBytes ?? DEFAULT_HEAD)))
    if (this.headBytes === 0) this.open()
  }

  private open(): void {
    const head = Buffer.concat(this.head, this.headLen)
    this.sinks = []
    for (const c of this.candidates) {
      try {
        const sink = c.open(this.path, head.subarray(0, c.headBytes ?? DEFAULT_HEAD), this.size, this.policy)
        if (sink) this.sinks.push({ id: c.id, sink })
      } catch (e) {
        this.sinks.push({ id: c.id, sink: { write() {}, end: () => failure(e) }, failed: failure(e) })
      }
    }
    this.head = []
    for (const s of this.sinks) this.feed(s, head)
  }

  private feed(s: { sink: InspectorSink; failed?: InspectionResult }, chunk: Buffer): void {
    if (s.failed) return
    try {
      s.sink.write(chunk)
    } catch (e) {
      s.failed = failure(e)
    }
  }

  write(chunk: Buffer): void {
    if (this.sinks) {
      for (const s of this.sinks) this.feed(s, chunk)
      return
    }
    // The chunk is only valid during this call: keep a copy of the head.
    this.head.push(Buffer.from(chunk))
    this.headLen += chunk.length
    if (this.headLen >= this.headBytes) this.open()
  }

  end(): Record<string, InspectionResult> | undefined {
    if (!this.sinks) this.open()
    const out: Record<string, InspectionResult> = {}
    for (const s of this.sinks ?? []) {
      if (s.failed) out[s.id] = s.failed
      else {
        try {
          out[s.id] = s.sink.end()
        } catch (e) {
          out[s.id] = failure(e)
        }
      }
    }
    return Object.keys(out).length ? out : undefined
  }
}

export function inspectorsFor(
  inspectors: readonly FileInspector[],
  path: string,
  size: number,
  mode: number,
): FileInspector[] {
  return inspectors.filter((i) => {
    try {
      return i.accepts(path, size, mode)
    } catch {
      return false
    }
  })
}
