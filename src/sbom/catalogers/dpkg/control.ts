/** One paragraph of a Debian control file (`Key: value`, continuation lines start with a space or tab). */
export interface Paragraph {
  fields: Map<string, string>
  /** 1-based line where the paragraph starts. */
  line: number
}

export interface ParagraphError {
  line: number
  message: string
}

/**
 * Splits a control file into paragraphs. A paragraph with a line that is neither `Key: value` nor a
 * continuation is reported and dropped as a whole; the paragraphs around it are still returned.
 */
export function parseControl(text: string): { paragraphs: Paragraph[]; errors: ParagraphError[] } {
  const paragraphs: Paragraph[] = []
  const errors: ParagraphError[] = []
  let fields = new Map<string, string>()
  let start = 0
  let last: string | undefined
  let bad: ParagraphError | undefined
  const flush = () => {
    if (bad) errors.push(bad)
    else if (fields.size > 0) paragraphs.push({ fields, line: start })
    fields = new Map()
    last = undefined
    bad = undefined
  }
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.trim() === '') {
      flush()
      continue
    }
    if (fields.size === 0 && !bad && last === undefined) start = i + 1
    if (bad) continue
    if (line[0] === ' ' || line[0] === '\t') {
      if (last === undefined) {
        bad = { line: i + 1, message: 'continuation line without a field' }
        continue
      }
      fields.set(last, `${fields.get(last)}\n${line.slice(1)}`)
      continue
    }
    const colon = line.indexOf(':')
    const key = colon > 0 ? line.slice(0, colon) : ''
    if (!key || /[\s]/.test(key)) {
      bad = {
        line: i + 1,
        message: `malformed line ${JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line)}`,
      }
      continue
    }
    last = key
    fields.set(key, line.slice(colon + 1).trim())
  }
  flush()
  return { paragraphs, errors }
}
