// Analytics of what customers are worth and when they buy: CLV holdout, portfolio matrix, purchase timing.
import { getJson } from './api.js';
import { barChart, lineChart } from './charts.js';
import { fill, fmt, h, load, panel, s, showEmpty, stat, table, today } from './ui.js';

const CURRENCY = { name: 'currency', label: 'Currency', placeholder: 'EUR', size: 5 };

export const holdoutPage = {
  id: 'clv',
  group: 'Analytics',
  title: 'CLV holdout',
  subtitle:
    'BG/NBD fitted up to the cutoff: purchases it predicted for the holdout period against those made.',
  scope: 'analytics:read',
  fields: [
    CURRENCY,
    { name: 'cutoff', label: 'Calibration ends (cutoff)', type: 'date' },
    { name: 'holdoutEnd', label: 'Holdout ends', type: 'date' },
  ],
  defaults: () => ({ currency: 'EUR', cutoff: today(-1), holdoutEnd: today() }),
  async render(main, params) {
    const chart = panel(
      'Predicted against actual',
      `Mean purchases per customer from ${params.cutoff} to ${params.holdoutEnd}, by purchases in calibration`,
    );
    main.append(chart.card);
    const data = await load(
      chart.body,
      () => getJson('/v1/analytics/predictive-ltv/holdout', params),
      'Fitting the model',
    );
    if (!data) return;
    const { bins } = data.report;
    if (bins.length === 0) return showEmpty(chart.body, 'No customer to compare');
    const model = data.model;
    fill(
      chart.body,
      h(
        'div',
        { class: 'stats' },
        stat('Customers', fmt.int(model.customers), `${fmt.int(model.repeatCustomers)} repeat buyers`),
        stat('Actual purchases', fmt.int(data.report.actualTotal), 'in the holdout'),
        stat(
          'Predicted',
          fmt.num(data.report.predictedTotal),
          `${fmt.pct(data.report.predictedTotal / Math.max(data.report.actualTotal, 1) - 1)} off`,
        ),
        stat('Model', model.bgNbd.converged ? 'converged' : 'did not converge', model.modelVersion),
      ),
      lineChart({
        categories: bins.map((b) => b.label),
        series: [
          { name: 'Actual', values: bins.map((b) => b.actualMean), className: 'series-a' },
          {
            name: 'Predicted (BG/NBD)',
            values: bins.map((b) => b.predictedMean),
            className: 'series-b',
            dashed: true,
          },
        ],
        xLabel: 'Repeat purchases in the calibration period',
        yLabel: 'Purchases per customer in the holdout',
        yFormat: (v) => fmt.num(v),
      }),
      table(
        [
          ['Calibration purchases', (b) => b.label],
          ['Customers', (b) => fmt.int(b.customers), { numeric: true }],
          ['Actual mean', (b) => fmt.num(b.actualMean), { numeric: true }],
          ['Predicted mean', (b) => fmt.num(b.predictedMean), { numeric: true }],
        ],
        bins,
        { id: 'holdout-table' },
      ),
    );
  },
};

const QUADRANTS = [
  // [potential, loyalty] -> grid cell (column by loyalty, row by potential: high potential on top)
  { potential: 'high', loyalty: 'low', col: 0, row: 0 },
  { potential: 'high', loyalty: 'high', col: 1, row: 0 },
  { potential: 'low', loyalty: 'low', col: 0, row: 1 },
  { potential: 'low', loyalty: 'high', col: 1, row: 1 },
];

/** A quadrant's action, on two lines when it would not fit on one. */
function actionLabel(action, x, y) {
  const words = action.split(' ');
  const lines = action.length <= 24 ? [action] : [words.slice(0, 3).join(' '), words.slice(3).join(' ')];
  return s(
    'text',
    { class: 'quadrant-action', x, y },
    lines.map((line, i) => s('tspan', { x, dy: i === 0 ? 0 : 18 }, line)),
  );
}

function matrix(quadrants, total) {
  const size = 260;
  const left = 90;
  const top = 20;
  const svg = s('svg', {
    class: 'chart matrix',
    viewBox: `0 0 ${left + 2 * size + 20} ${top + 2 * size + 60}`,
    role: 'img',
    'aria-label': 'Portfolio matrix',
  });
  for (const q of QUADRANTS) {
    const data = quadrants.find((x) => x.potential === q.potential && x.loyalty === q.loyalty);
    const x = left + q.col * size;
    const y = top + q.row * size;
    const share = total === 0 ? 0 : data.customers / total;
    svg.append(
      s('rect', {
        class: `quadrant quadrant-${q.potential}-${q.loyalty}`,
        x: x + 2,
        y: y + 2,
        width: size - 4,
        height: size - 4,
        rx: 10,
      }),
      s(
        'circle',
        {
          class: 'mark bubble',
          cx: x + size / 2,
          cy: y + size / 2 + 18,
          r: 6 + Math.sqrt(share) * 70,
          'data-value': data.customers,
        },
        s('title', {}, `${data.action}: ${data.customers} customers`),
      ),
      actionLabel(data.action, x + 16, y + 30),
      s(
        'text',
        { class: 'quadrant-count', x: x + size / 2, y: y + size / 2 + 26, 'text-anchor': 'middle' },
        fmt.int(data.customers),
      ),
      s(
        'text',
        { class: 'quadrant-note', x: x + 16, y: y + size - 34 },
        `predicted CLV ${fmt.money(data.predictedClv)} in all`,
      ),
      s(
        'text',
        { class: 'quadrant-note', x: x + 16, y: y + size - 16 },
        `mean P(alive) ${fmt.pct(data.averagePAlive)}`,
      ),
    );
  }
  svg.append(
    s(
      'text',
      { class: 'axis-title', x: left + size / 2, y: top + 2 * size + 24, 'text-anchor': 'middle' },
      'Low loyalty',
    ),
    s(
      'text',
      { class: 'axis-title', x: left + size * 1.5, y: top + 2 * size + 24, 'text-anchor': 'middle' },
      'High loyalty',
    ),
    s(
      'text',
      { class: 'axis-title', x: left + size, y: top + 2 * size + 50, 'text-anchor': 'middle' },
      'Loyalty: P(alive) at or above the threshold and a repeat purchase →',
    ),
    s('text', { class: 'axis-title', x: 70, y: top + size / 2, 'text-anchor': 'end' }, 'High'),
    s('text', { class: 'axis-title', x: 70, y: top + size * 1.5, 'text-anchor': 'end' }, 'Low'),
    s(
      'text',
      { class: 'axis-title', transform: `translate(24 ${top + size}) rotate(-90)`, 'text-anchor': 'middle' },
      'Potential: predicted CLV →',
    ),
  );
  return h('figure', { class: 'figure' }, svg);
}

export const portfolioPage = {
  id: 'portfolio',
  group: 'Analytics',
  title: 'Portfolio matrix',
  subtitle: 'Customers by predicted CLV and loyalty, with the action each quadrant calls for.',
  scope: 'analytics:read',
  fields: [
    CURRENCY,
    { name: 'cutoff', label: 'As of (cutoff)', type: 'date' },
    { name: 'pAliveThreshold', label: 'P(alive) threshold', size: 5 },
    { name: 'potentialQuantile', label: 'Potential quantile', size: 5 },
  ],
  defaults: () => ({ currency: 'EUR', cutoff: today(), pAliveThreshold: '0.5', potentialQuantile: '0.5' }),
  async render(main, params) {
    const card = panel('Matrix', `Buyers in ${params.currency} as of ${params.cutoff}; 52-week horizon`);
    main.append(card.card);
    const data = await load(
      card.body,
      () => getJson('/v1/analytics/portfolio', params),
      'Fitting the models',
    );
    if (!data) return;
    const total = data.quadrants.reduce((n, q) => n + q.customers, 0);
    if (total === 0) return showEmpty(card.body, 'No buyer to place');
    fill(
      card.body,
      h(
        'div',
        { class: 'stats' },
        stat('Customers', fmt.int(total)),
        stat(
          'High potential above',
          fmt.money(data.clvThreshold),
          `predicted CLV, quantile ${data.potentialQuantile}`,
        ),
        stat('Loyal at', `P(alive) ≥ ${data.pAliveThreshold}`),
      ),
      h(
        'div',
        { class: 'columns' },
        matrix(data.quadrants, total),
        table(
          [
            ['Action', (q) => h('strong', {}, q.action)],
            ['Customers', (q) => fmt.int(q.customers), { numeric: true }],
            ['Predicted CLV (sum)', (q) => fmt.money(q.predictedClv), { numeric: true }],
            ['Revenue so far (sum)', (q) => fmt.money(q.historicalRevenue), { numeric: true }],
            ['Mean P(alive)', (q) => fmt.pct(q.averagePAlive), { numeric: true }],
          ],
          data.quadrants,
          { id: 'portfolio-table' },
        ),
      ),
    );
  },
};

const METRICS = {
  orders: { label: 'Orders', value: (b) => b.orders, format: fmt.int },
  revenue: { label: 'Revenue', value: (b) => b.revenue.minor / 100, format: fmt.int },
  buyers: { label: 'Buyers', value: (b) => b.buyers, format: fmt.int },
};

export const timingPage = {
  id: 'timing',
  group: 'Analytics',
  title: 'Purchase timing',
  subtitle: 'When customers buy: by month of year, day of week and hour of day (UTC).',
  scope: 'analytics:read',
  fields: [
    CURRENCY,
    { name: 'from', label: 'From', type: 'date' },
    { name: 'to', label: 'To', type: 'date' },
    { name: 'metric', label: 'Measure', options: Object.keys(METRICS) },
  ],
  defaults: () => ({ currency: 'EUR', from: today(-1), to: today(), metric: 'orders' }),
  async render(main, params) {
    const { metric, ...query } = params;
    const measure = METRICS[metric] || METRICS.orders;
    const unit = metric === 'revenue' ? `${measure.label} (${params.currency})` : measure.label;
    const cards = [
      panel('By month of year', unit),
      panel('By day of week', unit),
      panel('By hour of day (UTC)', unit),
    ];
    main.append(
      h(
        'div',
        { class: 'stack' },
        cards.map((c) => c.card),
      ),
    );
    const data = await load(
      cards[0].body,
      () => getJson('/v1/analytics/purchase-timing', query),
      'Counting purchases',
    );
    if (!data) {
      cards.slice(1).forEach((c) => c.card.remove());
      return;
    }
    const orders = data.byMonth.reduce((n, b) => n + b.orders, 0);
    if (orders === 0) {
      cards.slice(1).forEach((c) => c.card.remove());
      return showEmpty(
        cards[0].body,
        `No purchase in ${data.currency} from ${data.from} to ${data.to}`,
        'Widen the period or pick another currency.',
      );
    }
    const parts = [
      [data.byMonth, 'Month'],
      [data.byWeekday, 'Day of week (ISO, Monday first)'],
      [data.byHour, 'Hour of day (UTC)'],
    ];
    parts.forEach(([buckets, xLabel], i) =>
      fill(
        cards[i].body,
        barChart({
          categories: buckets.map((b) => (xLabel.startsWith('Hour') ? b.label.slice(0, 2) : b.label)),
          series: [{ name: unit, values: buckets.map(measure.value) }],
          xLabel,
          yLabel: unit,
          yFormat: measure.format,
          height: 240,
        }),
      ),
    );
  },
};
