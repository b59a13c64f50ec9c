// Operations: where each stage of the pipeline stands against the head of the event store.
/* global setInterval, clearInterval -- browser globals: this file runs in the page */
import { getJson } from './api.js';
import { hbarChart } from './charts.js';
import { fill, fmt, h, load, panel, s, showEmpty, stat, table } from './ui.js';

const REFRESH_MS = 5000;

function progress(position, head) {
  const done = BigInt(head) === 0n ? 1 : Number((BigInt(position) * 1000n) / BigInt(head)) / 1000;
  return h(
    'span',
    { class: 'progress' },
    s(
      'svg',
      { viewBox: '0 0 100 8', class: 'progress-bar', 'aria-hidden': 'true' },
      s('rect', { class: 'track', width: 100, height: 8, rx: 4 }),
      s('rect', { class: 'fill', width: Math.min(done, 1) * 100, height: 8, rx: 4 }),
    ),
    fmt.pct(done),
  );
}

function stateBadge(stage) {
  const state = stage.state || (stage.lagEvents > 0 ? 'catching up' : 'live');
  const tone = state === 'live' && stage.lagEvents === 0 ? 'ok' : state === 'failed' ? 'bad' : 'warn';
  return h('span', { class: `badge badge-${tone}` }, state);
}

function notes(r) {
  if (r.failure) return `failed: ${r.failure.reason}`;
  if (r.state === 'rebuilding')
    return `rebuilding: ${fmt.pct(r.rebuild.progress)}, ${fmt.int(r.rebuild.eventsPerSecond)} events/s`;
  if (r.rebuild)
    return `last rebuild ${r.rebuild.status} ${fmt.dateTime(r.rebuild.finishedAt || r.rebuild.updatedAt)}`;
  if (r.details?.leader) return `leader ${r.details.leader}`;
  return '';
}

export const pipelinePage = {
  id: 'pipeline',
  group: 'Operations',
  title: 'Pipeline',
  subtitle: 'Relay and projections: position, lag behind the event store, state. Refreshed every 5 s.',
  scope: 'admin',
  fields: [],
  defaults: () => ({}),
  render(main) {
    const overview = panel('Stages', 'Each stage’s position against the head of the event store');
    const lag = panel('Lag', 'Events not handled yet, per stage');
    main.append(overview.card, lag.card);
    let timer;
    const refresh = async (first) => {
      const data = await (first
        ? load(
            overview.body,
            () => Promise.all([getJson('/v1/admin/pipeline'), getJson('/v1/admin/projections')]),
            'Reading the pipeline',
          )
        : Promise.all([getJson('/v1/admin/pipeline'), getJson('/v1/admin/projections')]).catch(
            () => undefined,
          ));
      if (data === undefined) {
        if (first) lag.card.remove();
        return;
      }
      const [{ stages }, { projections }] = data;
      const states = new Map(projections.map((p) => [p.name, p]));
      // Projections of the projections list that the lag query does not show (e.g. analytics) join the table.
      const rows = [...stages.map((st) => ({ ...st, ...(states.get(st.name) || {}) }))];
      for (const p of projections)
        if (!stages.some((st) => st.name === p.name)) rows.push({ ...p, kind: 'projection' });
      const head = rows.reduce((max, r) => (BigInt(r.headPosition) > max ? BigInt(r.headPosition) : max), 0n);
      const worst = rows.reduce((max, r) => Math.max(max, r.lagMs ?? 0), 0);
      fill(
        overview.body,
        h(
          'div',
          { class: 'stats' },
          stat('Head of the event store', fmt.int(Number(head)), 'global position'),
          stat('Stages', String(rows.length)),
          stat('Largest lag', fmt.ms(worst), 'age of the oldest unhandled event'),
          stat('Updated', new Date().toISOString().slice(11, 19), 'UTC'),
        ),
        table(
          [
            ['Stage', (r) => h('strong', {}, r.name)],
            ['Kind', (r) => r.kind],
            ['State', stateBadge],
            ['Position', (r) => fmt.int(Number(r.position)), { numeric: true }],
            ['Head', (r) => fmt.int(Number(r.headPosition)), { numeric: true }],
            ['Caught up', (r) => progress(r.position, r.headPosition)],
            [
              'Lag (events)',
              (r) => `${fmt.int(r.lagEvents)}${r.lagEventsCapped ? '+' : ''}`,
              { numeric: true },
            ],
            ['Lag (time)', (r) => fmt.ms(r.lagMs), { numeric: true }],
            ['Notes', notes],
          ],
          rows,
          { id: 'pipeline-stages' },
        ),
      );
      if (rows.length === 0) showEmpty(lag.body, 'No stages reported');
      else
        fill(
          lag.body,
          rows.every((r) => r.lagEvents === 0)
            ? h('p', { class: 'caught-up' }, 'Every stage is at the head of the event store.')
            : null,
          hbarChart({
            categories: rows.map((r) => r.name),
            values: rows.map((r) => r.lagEvents),
            xLabel: 'Events behind the head of the event store',
            valueFormat: fmt.int,
          }),
        );
    };
    refresh(true);
    timer = setInterval(() => (main.isConnected ? refresh(false) : clearInterval(timer)), REFRESH_MS);
  },
};
