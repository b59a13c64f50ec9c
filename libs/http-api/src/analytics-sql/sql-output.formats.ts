/** ClickHouse's HTTP interface answers a query without FORMAT clause or default_format in this format. */
export const DEFAULT_OUTPUT_FORMAT = 'TabSeparated';

/** The Content-Type ClickHouse's server sends for a format's answer. */
export function contentTypeOf(format: string): string {
  const name = format.toLowerCase();
  if (name.startsWith('json') || name === 'ndjson') return 'application/json; charset=UTF-8';
  if (name.startsWith('tabseparated') || name.startsWith('tsv'))
    return 'text/tab-separated-values; charset=UTF-8';
  if (name.startsWith('csv')) return 'text/csv; charset=UTF-8';
  if (
    ['pretty', 'vertical', 'markdown', 'raw', 'values', 'xml', 'template', 'lineasstring'].some((t) =>
      name.startsWith(t),
    )
  )
    return 'text/plain; charset=UTF-8';
  return 'application/octet-stream';
}
