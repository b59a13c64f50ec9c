// Analytics of who the customers are: RFM segments, cohort retention, the lifecycle funnel.
import { getJson } from './api.js';
import { heatmap, hbarChart } from './charts.js';
import { fill, fmt, h, load, panel, showEmpty, stat, table, today } from './ui.js';

const CURRENCY = { name: 'currency', label: 'Currency', placeholder: 'EUR', size: 5 };
const CUTOFF = { name: 'cutoff', label: 'As of (cutoff)', type: 'date' };

export const rfmPage = {
  id: 'rfm',
  group: 'Analytics',
  title: 'RFM segments',
  subtitle: 'Buyers scored by recency, frequency and monetary quintiles (1–5) and named by segment.',
  scope: 'analytics:read',
  fields: [CURRENCY, CUTOFF],
  defaults: () => ({ currency: 'EUR', cutoff: today() }),
  async render(main, params) {
    const overview = panel('Segments', `Buyers in ${params.currency} as of ${params.cutoff}`);
    main.append(overview.card);
    const data = await load(overview.body, () => getJson('/v1/analytics/rfm', params), 'Scoring customers');
    if (!data) return;
    if (data.customers === 0)
      return showEmpty(
        overview.body,
        `Nobody bought in ${data.currency} by ${data.cutoff}`,
        'Try another currency or a later cutoff.',
      );
    const segs = data.segments;
    fill(
      overview.body,
      h(
        'div',
        { class: 'stats' },
        stat('Buyers', fmt.int(data.customers)),
        stat('Revenue', fmt.money(data.revenue)),
        stat('Largest segment', [...segs].sort((a, b) => b.customers - a.customers)[0].segment),
      ),
      h(
        'div',
        { class: 'columns' },
        h(
          'div',
          {},
          h('h3', {}, 'Customers per segment'),
          hbarChart({
            categories: segs.map((x) => x.segment),
            values: segs.map((x) => x.customers),
            notes: segs.map((x) => fmt.pct(x.customerShare)),
            xLabel: 'Customers',
            valueFormat: fmt.int,
            width: 540,
          }),
        ),
        h(
          'div',
          {},
          h('h3', {}, 'Revenue per segment'),
          hbarChart({
            categories: segs.map((x) => x.segment),
            values: segs.map((x) => x.revenue.minor / 100),
            notes: segs.map((x) => fmt.pct(x.revenueShare)),
            xLabel: `Revenue (${data.currency})`,
            valueFormat: fmt.int,
            className: 'series-b',
            width: 540,
          }),
        ),
      ),
      table(
        [
          ['Segment', (x) => h('strong', {}, x.segment)],
          ['Customers', (x) => fmt.int(x.customers), { numeric: true }],
          ['Share', (x) => fmt.pct(x.customerShare), { numeric: true }],
          ['Revenue', (x) => fmt.money(x.revenue), { numeric: true }],
          ['Revenue share', (x) => fmt.pct(x.revenueShare), { numeric: true }],
          ['Avg recency (days)', (x) => fmt.num(x.avgRecencyDays), { numeric: true }],
          ['Avg orders', (x) => fmt.num(x.avgFrequency), { numeric: true }],
          ['Avg spend', (x) => fmt.money(x.avgMonetary), { numeric: true }],
        ],
        segs,
        { id: 'rfm-table' },
      ),
    );
  },
};

export const cohortsPage = {
  id: 'cohorts',
  group: 'Analytics',
  title: 'Cohort retention',
  subtitle: 'Monthly acquisition cohorts: the share of each cohort buying in each month since acquisition.',
  scope: 'analytics:read',
  fields: [CURRENCY, CUTOFF],
  defaults: () => ({ currency: 'EUR', cutoff: today() }),
  async render(main, params) {
    const map = panel(
      'Retention heat map',
      `Share of the cohort with a purchase in ${params.currency}, as of ${params.cutoff}`,
    );
    main.append(map.card);
    const data = await load(map.body, () => getJson('/v1/analytics/cohorts', params), 'Building cohorts');
    if (!data) return;
    if (data.cohorts.length === 0) return showEmpty(map.body, `No cohort acquired by ${data.cutoff}`);
    const width = Math.max(...data.cohorts.map((c) => c.retentionRate.length));
    const columns = Array.from({ length: width }, (_, j) => String(j));
    const values = data.cohorts.map((c) =>
      columns.map((_, j) => (j < c.retentionRate.length ? c.retentionRate[j] : null)),
    );
    const customers = data.cohorts.reduce((n, c) => n + c.customers, 0);
    fill(
      map.body,
      h(
        'div',
        { class: 'stats' },
        stat('Cohorts', fmt.int(data.cohorts.length)),
        stat('Customers', fmt.int(customers)),
        stat('Month-1 retention', fmt.pct(weightedMean(data.cohorts, 1)), 'weighted by cohort size'),
      ),
      heatmap({
        rows: data.cohorts.map((c) => c.cohortMonth.slice(0, 7)),
        rowNotes: data.cohorts.map((c) => `${c.customers}`),
        columns,
        values,
        xLabel: 'Months since acquisition',
        yLabel: 'Cohort (customers)',
        valueFormat: (v) => fmt.pct(v),
      }),
    );
  },
};

function weightedMean(cohorts, month) {
  const seen = cohorts.filter((c) => c.retentionRate.length > month);
  const n = seen.reduce((sum, c) => sum + c.customers, 0);
  return n === 0 ? null : seen.reduce((sum, c) => sum + c.retentionRate[month] * c.customers, 0) / n;
}

const STAGE_LABELS = {
  acquired: 'Acquired',
  active: 'Active',
  purchasing: 'Purchasing',
  repeat: 'Repeat buyers',
  churned: 'Churned',
  reactivated: 'Reactivated',
};

export const funnelPage = {
  id: 'funnel',
  group: 'Analytics',
  title: 'Lifecycle funnel',
  subtitle: 'Customers acquired in the period and how far they went, as of its end.',
  scope: 'analytics:read',
  fields: [
    { name: 'from', label: 'From', type: 'date' },
    { name: 'to', label: 'To', type: 'date' },
  ],
  defaults: () => ({ from: today(-1), to: today() }),
  async render(main, params) {
    const funnel = panel('Funnel', `Acquired from ${params.from} to ${params.to}`);
    main.append(funnel.card);
    const data = await load(
      funnel.body,
      () => getJson('/v1/analytics/lifecycle/funnel', params),
      'Counting stages',
    );
    if (!data) return;
    const acquired = data.stages.find((x) => x.stage === 'acquired')?.customers ?? 0;
    if (acquired === 0)
      return showEmpty(
        funnel.body,
        `Nobody was acquired from ${data.from} to ${data.to}`,
        'Widen the period.',
      );
    fill(
      funnel.body,
      h(
        'div',
        { class: 'stats' },
        stat('Acquired', fmt.int(acquired)),
        stat('Churned at the end', fmt.int(data.churnedAtEnd)),
        stat(
          'Repeat buyers',
          fmt.pct(data.stages.find((x) => x.stage === 'repeat')?.shareOfAcquired),
          'of the acquired',
        ),
      ),
      hbarChart({
        categories: data.stages.map((x) => STAGE_LABELS[x.stage] || x.stage),
        values: data.stages.map((x) => x.customers),
        notes: data.stages.map((x) => (x.conversion === null ? '' : `conversion ${fmt.pct(x.conversion)}`)),
        xLabel: 'Customers',
        valueFormat: fmt.int,
      }),
      table(
        [
          ['Stage', (x) => STAGE_LABELS[x.stage] || x.stage],
          ['Customers', (x) => fmt.int(x.customers), { numeric: true }],
          ['Of the acquired', (x) => fmt.pct(x.shareOfAcquired), { numeric: true }],
          ['Conversion', (x) => fmt.pct(x.conversion), { numeric: true }],
        ],
        data.stages,
        { id: 'funnel-table' },
      ),
    );
  },
};
