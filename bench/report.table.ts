import { type ScenarioResult, summarize, verdict } from './bench-result';

const number = (x: number): string =>
  x >= 100 ? Math.round(x).toLocaleString('en') : x.toLocaleString('en', { maximumFractionDigits: 1 });

/** The results as a fixed-width table: figures with min/median/max, target and pass/miss on the median. */
export function resultsTable(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'unit', 'min', 'median', 'max', 'target', 'result'];
  const rows = results.map((r) => {
    const summary = summarize(r.samples);
    if (!summary)
      return [
        r.title,
        r.unit,
        '',
        '',
        '',
        '',
        r.pending ? `not yet measurable: needs ${r.pending}` : 'no data',
      ];
    const target = r.target ? `${r.target.atLeast ? '>=' : '<='} ${number(r.target.value)}` : '';
    return [
      r.title,
      r.unit,
      number(summary.min),
      number(summary.median),
      number(summary.max),
      target,
      verdict(r) ?? '',
    ];
  });
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.filter((r) => r[2] !== '' || i < 2).map((r) => r[i].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i >= 2 && i <= 4 ? c.padStart(widths[i]) : i === cells.length - 1 ? c : c.padEnd(widths[i]),
      )
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
