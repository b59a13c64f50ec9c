import { parsePurchaseLog, type ImportedEvent } from '../import/purchase-log.parser';
import { AnalyticsProjector } from '../projector/analytics.projector';
import { ClvSummaryQuery } from '../queries/clv-summary.query';
import { openTestAnalytics } from '../testing/analytics-test-database';
import { recordPublished } from '../testing/recorded-history.builder';
import { bgNbdConditionalExpectedTransactions, fitBgNbd } from './bg-nbd.model';
import { fitGammaGamma } from './gamma-gamma.model';

it('scratch', async () => {
  const t0 = Date.now();
  const events: ImportedEvent[] = [];
  for await (const e of parsePurchaseLog('/work/shared/datasets/cdnow/CDNOW_sample.txt', { format: 'cdnow' })) events.push(e);
  const t1 = Date.now();
  const db = await openTestAnalytics('scratch');
  const recorded = recordPublished(events);
  const projector = new AnalyticsProjector(db.ch);
  for (let i = 0; i < recorded.length; i += 2000) await projector.apply(recorded.slice(i, i + 2000));
  const t2 = Date.now();
  const rows = await new ClvSummaryQuery(db.ch).holdout('1997-09-30', '1998-06-30', 'USD');
  const t3 = Date.now();
  const bg = fitBgNbd(rows);
  const t4 = Date.now();
  const gg = fitGammaGamma(rows.filter((r) => r.x > 0).map((r) => ({ x: r.x, m: r.meanRepeatMinor / 100 })));
  const t5 = Date.now();
  const bins = Array.from({ length: 8 }, () => ({ n: 0, act: 0, exp: 0 }));
  for (const r of rows) {
    const b = bins[Math.min(r.x, 7)];
    b.n += 1; b.act += r.xHoldout; b.exp += bgNbdConditionalExpectedTransactions(bg.params, r, r.holdoutWeeks);
  }
  console.log({ events: events.length, recorded: recorded.length, customers: rows.length, repeat: rows.filter(r => r.x > 0).length, bg, gg,
    bins: bins.map(b => [b.n, +(b.act / b.n).toFixed(4), +(b.exp / b.n).toFixed(4)]),
    ms: { parse: t1 - t0, project: t2 - t1, summary: t3 - t2, bg: t4 - t3, gg: t5 - t4 } });
  await db.drop();
}, 120000);
