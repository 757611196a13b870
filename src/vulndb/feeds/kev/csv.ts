/** One CSV row with the line it starts on (1-based), for messages. */
export interface CsvRow {
  line: number
  fields: string[]
}

/**
 * RFC 4180 CSV: `,`-separated, `"…"` quoting with `""` for a quote, line breaks inside quotes kept, CRLF or LF.
 * An unterminated quote ends the text: that last row is returned with `unterminated` set so it can be refused.
 */
export function parseCsv(text: string): { rows: CsvRow[]; unterminated?: number } {
  const rows: CsvRow[] = []
  let fields: string[] = []
  let field = ''
  let line = 1
  let rowLine = 1
  let i = 0
  let quoted = false
  const n = text.length
  const endRow = () => {
    fields.push(field)
    if (!(fields.length === 1 && fields[0] === '')) rows.push({ line: rowLine, fields })
    fields = []
    field = ''
  }
  while (i < n) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
      } else {
        if (c === '\n') line++
        field += c
      }
      i++
      continue
    }
    if (c === '"' && field === '') quoted = true
    else if (c === ',') {
      fields.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      endRow()
      line++
      rowLine = line
    } else field += c
    i++
  }
  if (quoted) return { rows, unterminated: rowLine }
  if (field !== '' || fields.length) endRow()
  return { rows }
}
