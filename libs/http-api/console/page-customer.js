// A customer's file: the read model's view now, or the fold of their stream as of a moment or a position.
import { getJson } from './api.js';
import { fill, fmt, h, load, panel, showEmpty, stat, table } from './ui.js';

const EVENT_LABELS = {
  CustomerAcquired: 'Acquired',
  CustomerContacted: 'Contacted',
  CustomerPurchased: 'Purchased',
  CustomerReferred: 'Referred a customer',
  CustomerChurned: 'Churned',
  CustomerReactivated: 'Reactivated',
  CustomerPersonalDataErased: 'Personal data erased',
};

/** One line telling what an event says. */
function summary(event) {
  const d = event.data || {};
  switch (event.type) {
    case 'CustomerAcquired':
      return [d.channel, d.campaign].filter(Boolean).join(' · ');
    case 'CustomerPurchased':
      return `${d.amount ? fmt.minor(d.amount.minor, d.amount.currency) : ''}${d.items ? ` · ${d.items.length} item${d.items.length === 1 ? '' : 's'}` : ''}${d.channel ? ` · ${d.channel}` : ''}`;
    case 'CustomerContacted':
      return [d.channel, d.direction, d.topic || d.outcome].filter(Boolean).join(' · ');
    case 'CustomerChurned':
      return d.reason || '';
    case 'CustomerReferred':
      return d.referredCustomerId ? `referred ${d.referredCustomerId}` : '';
    default:
      return '';
  }
}

/** Whether an event was part of the customer's file as of the chosen point. */
function knownAt(event, asOf, basis) {
  if (!asOf) return true;
  if (/^\d+$/.test(asOf)) return BigInt(event.globalPosition) <= BigInt(asOf);
  const at = Date.parse(asOf);
  return Date.parse(basis === 'recorded' ? event.recordedAt : event.occurredAt) <= at;
}

function profileCard(c) {
  const p = c.profile || {};
  const rows = [
    ['Name', p.name],
    ['E-mail', p.email],
    ['Phone', p.phone],
    ['Location', [p.city, p.country].filter(Boolean).join(', ')],
    ['Born', p.birthYear],
    ['Income band', p.incomeBand],
    [
      'Acquired',
      `${fmt.date(c.acquiredAt)} via ${c.acquisitionChannel || '—'}${c.acquisitionCampaign ? ` (${c.acquisitionCampaign})` : ''}`,
    ],
    ['Referred by', c.referredBy],
    ['Churned', c.churnedAt ? `${fmt.date(c.churnedAt)} (${c.churnReason || 'no reason'})` : null],
  ].filter(([, v]) => v !== null && v !== undefined && v !== '');
  return h(
    'dl',
    { class: 'facts', id: 'customer-profile' },
    rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]),
  );
}

function customerFile(c) {
  const spend = c.spend || [];
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'title-row' },
      h('h3', { id: 'customer-name' }, c.profile?.name || c.customerId),
      h('span', { class: `badge badge-stage stage-${c.stage}`, id: 'customer-stage' }, c.stage),
      c.erased ? h('span', { class: 'badge badge-bad' }, 'erased') : null,
    ),
    c.asOf
      ? h(
          'p',
          { class: 'asof-note', id: 'asof-note' },
          `As of ${c.asOf.value} (${c.asOf.basis === 'position' ? 'global position' : c.asOf.basis === 'recorded' ? 'what was recorded by then' : 'what had happened by then'})`,
        )
      : h('p', { class: 'muted', id: 'asof-note' }, 'Now, as the read model knows the customer'),
    h(
      'div',
      { class: 'stats' },
      stat(
        'Purchases',
        fmt.int(c.purchasesCount),
        c.lastPurchaseAt ? `last ${fmt.date(c.lastPurchaseAt)}` : 'none yet',
      ),
      stat(
        'Spend',
        spend.length ? spend.map((x) => fmt.minor(x.totalMinor, x.currency)).join(' + ') : '—',
        'per currency, never added',
      ),
      stat('Contacts', fmt.int(c.contactsCount), c.lastContactAt ? `last ${fmt.date(c.lastContactAt)}` : ''),
      stat('Referrals made', fmt.int(c.referralsMade)),
      stat('Stream revision', fmt.int(c.streamRevision), `global position ${c.lastGlobalPosition}`),
    ),
    profileCard(c),
  );
}

async function readTimeline(id) {
  const events = [];
  let from = 0;
  while (from !== null && events.length < 5000) {
    const page = await getJson(`/v1/customers/${encodeURIComponent(id)}/events`, {
      fromRevision: from,
      limit: 1000,
    });
    events.push(...page.events);
    from = page.nextFromRevision;
  }
  return events;
}

function renderTimeline(body, events, params, navigate) {
  const known = events.filter((e) => knownAt(e, params.asOf, params.basis)).length;
  fill(
    body,
    params.asOf
      ? h(
          'p',
          { class: 'muted' },
          `${known} of ${events.length} events known as of the chosen point; later ones are dimmed.`,
        )
      : null,
    h(
      'ol',
      { class: 'timeline', id: 'customer-timeline' },
      events.map((e) => {
        const inFile = knownAt(e, params.asOf, params.basis);
        return h(
          'li',
          { class: `event event-${e.type} ${inFile ? '' : 'after-asof'}`, 'data-known': String(inFile) },
          h('span', { class: 'event-dot' }),
          h(
            'div',
            { class: 'event-main' },
            h('strong', {}, EVENT_LABELS[e.type] || e.type),
            h('span', { class: 'event-summary' }, summary(e)),
          ),
          h(
            'div',
            { class: 'event-meta' },
            h('time', { datetime: e.occurredAt }, fmt.dateTime(e.occurredAt)),
            h('span', { class: 'muted' }, `#${e.streamRevision} · position ${e.globalPosition}`),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              title: 'Show the file as of this event',
              onclick: () => navigate({ ...params, asOf: e.globalPosition, basis: 'occurred' }),
            },
            'as of this',
          ),
        );
      }),
    ),
  );
}

async function customerList(main) {
  const list = panel('Customers', 'Most recently acquired first; open one to see their file');
  main.append(list.card);
  const data = await load(list.body, () => getJson('/v1/customers', { limit: 25 }), 'Reading customers');
  if (!data) return;
  if (data.items.length === 0)
    return showEmpty(list.body, 'No customers yet', 'Publish events (POST /v1/events) or run crm generate.');
  fill(
    list.body,
    table(
      [
        [
          'Customer',
          (c) => h('a', { href: `#/customer?id=${encodeURIComponent(c.customerId)}` }, c.customerId),
        ],
        ['Name', (c) => c.name || '—'],
        ['Stage', (c) => h('span', { class: `badge badge-stage stage-${c.stage}` }, c.stage)],
        ['Country', (c) => c.country || '—'],
        ['Channel', (c) => c.acquisitionChannel || '—'],
        ['Acquired', (c) => fmt.date(c.acquiredAt)],
        ['Purchases', (c) => fmt.int(c.purchasesCount), { numeric: true }],
        [
          `Spend (${data.items[0].spend.currency})`,
          (c) => fmt.minor(c.spend.totalMinor, c.spend.currency),
          { numeric: true },
        ],
      ],
      data.items,
      { id: 'customer-list' },
    ),
  );
}

export const customerPage = {
  id: 'customer',
  group: 'Customers',
  title: 'Customer file',
  subtitle:
    'Profile, figures and timeline; the as-of control folds the stream as of a date-time or a global position.',
  scope: 'customers:read',
  fields: [
    { name: 'id', label: 'Customer id', placeholder: 'c-10042', size: 14 },
    {
      name: 'asOf',
      label: 'As of (date-time or position)',
      placeholder: 'now; 2024-06-30T00:00:00Z; 1200',
      size: 30,
    },
    { name: 'basis', label: 'Basis', options: ['occurred', 'recorded'] },
  ],
  defaults: () => ({ id: '', asOf: '', basis: 'occurred' }),
  async render(main, params, navigate) {
    if (!params.id) return customerList(main);
    const file = panel(
      'File',
      params.asOf ? 'Folded from the event stream as of the chosen point' : 'The read model’s view',
    );
    const timeline = panel('Timeline', 'Every event of the customer’s stream, oldest first');
    main.append(h('div', { class: 'columns' }, file.card, timeline.card));
    const id = params.id;
    const query = params.asOf
      ? { asOf: params.asOf, asOfBasis: /^\d+$/.test(params.asOf) ? undefined : params.basis }
      : {};
    const [customer, events] = await Promise.all([
      load(file.body, () => getJson(`/v1/customers/${encodeURIComponent(id)}`, query), 'Reading the file'),
      load(timeline.body, () => readTimeline(id), 'Reading the timeline'),
    ]);
    if (customer) fill(file.body, customerFile(customer));
    if (events) renderTimeline(timeline.body, events, params, navigate);
  },
};
