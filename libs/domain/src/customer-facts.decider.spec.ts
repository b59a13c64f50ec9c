import { DEFAULT_CONSENT_POLICY, type ConsentPolicy } from './consent.policy';
import type { CustomerCommand } from './customer-commands';
import type { CustomerEvent, CustomerEventDataMap } from './customer-events';
import { decide, fold } from './customer.decider';
import { DomainError } from './domain-errors';

const at = '2026-01-10T10:00:00.000Z';
let n = 0;
const event = <K extends keyof CustomerEventDataMap>(type: K, data: CustomerEventDataMap[K]): CustomerEvent =>
  ({ type, eventId: `e-${++n}`, occurredAt: at, data }) as CustomerEvent;
const acquired = (consents?: CustomerEventDataMap['CustomerAcquired']['consents']) =>
  event('CustomerAcquired', { channel: 'organic', profile: {}, ...(consents ? { consents } : {}) });
const churned = event('CustomerChurned', { reason: 'price', voluntary: true });
const erased = event('CustomerPersonalDataErased', { fields: ['name', 'email', 'phone', 'city'] });
const granted = (channel: 'email' | 'sms' | 'phone') =>
  event('CustomerConsentGranted', { channel, purpose: 'marketing', source: 'form' });
const withdrawn = (channel: 'email' | 'sms' | 'phone') =>
  event('CustomerConsentWithdrawn', { channel, purpose: 'marketing' });
const opened = (complaintId: string) =>
  event('CustomerComplaintOpened', { complaintId, category: 'delivery', severity: 'high', channel: 'phone' });
const resolved = (complaintId: string) =>
  event('CustomerComplaintResolved', { complaintId, resolution: 'refund', accepted: true });

const command = (type: CustomerCommand['type'], data: unknown): CustomerCommand =>
  ({ type, customerId: 'c-1', eventId: 'e-new', occurredAt: at, data }) as CustomerCommand;
const marketing = (channel: string, direction = 'outbound', purpose = 'marketing') =>
  command('RecordContact', { channel, direction, purpose });
const feedback = (metric: string, score: unknown, extra: object = {}) =>
  command('RecordFeedback', { metric, score, channel: 'web', surveyId: 's-1', ...extra });
const open = (complaintId: string) =>
  command('OpenComplaint', { complaintId, category: 'billing', severity: 'low', channel: 'email' });
const resolve = (complaintId: string, extra: object = {}) =>
  command('ResolveComplaint', { complaintId, resolution: 'credit', accepted: false, ...extra });

/** given past events, when a command (under a consent policy), then its events or the typed error's code. */
function given(events: CustomerEvent[], policy: ConsentPolicy = DEFAULT_CONSENT_POLICY) {
  return {
    when: (c: CustomerCommand) => ({
      thenRecords: () => {
        const emitted = decide(c, fold(events), policy);
        expect(emitted).toEqual([
          { type: expect.any(String), eventId: 'e-new', occurredAt: at, data: c.data },
        ]);
      },
      thenFails: (code: string, field?: string) => {
        let caught: unknown;
        try {
          decide(c, fold(events), policy);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(DomainError);
        expect({ code: (caught as DomainError).code, field: (caught as DomainError).field }).toEqual({
          code,
          field: field ?? (caught as DomainError).field,
        });
      },
    }),
  };
}

describe('customer decider: consent to outbound marketing', () => {
  it.each(['email', 'sms', 'push', 'chat', 'social'])(
    'refuses marketing by %s without consent (opt-in)',
    (ch) => given([acquired()]).when(marketing(ch)).thenFails('CONSENT_REQUIRED', 'data.channel'),
  );

  it.each(['phone', 'mail', 'meeting'])('allows marketing by %s without a statement (opt-out)', (ch) =>
    given([acquired()]).when(marketing(ch)).thenRecords(),
  );

  it('allows marketing by e-mail after a grant', () =>
    given([acquired(), granted('email')])
      .when(marketing('email'))
      .thenRecords());

  it('counts a consent given with the acquisition', () =>
    given([acquired([{ channel: 'email', purpose: 'marketing' }])])
      .when(marketing('email'))
      .thenRecords());

  it('refuses again once the consent is withdrawn after the grant', () =>
    given([acquired([{ channel: 'email', purpose: 'marketing' }]), withdrawn('email')])
      .when(marketing('email'))
      .thenFails('CONSENT_WITHDRAWN', 'data.channel'));

  it('allows again after a new grant that follows the withdrawal', () =>
    given([acquired(), granted('sms'), withdrawn('sms'), granted('sms')])
      .when(marketing('sms'))
      .thenRecords());

  it('refuses an opt-out channel once the customer objected', () =>
    given([acquired(), withdrawn('phone')])
      .when(marketing('phone'))
      .thenFails('CONSENT_WITHDRAWN'));

  it('a consent for one channel or purpose does not cover another', () => {
    given([acquired(), granted('sms')])
      .when(marketing('email'))
      .thenFails('CONSENT_REQUIRED');
    given([acquired([{ channel: 'email', purpose: 'survey' }])])
      .when(marketing('email'))
      .thenFails('CONSENT_REQUIRED');
  });

  it('does not apply to inbound contacts or other purposes', () => {
    given([acquired()]).when(marketing('email', 'inbound')).thenRecords();
    given([acquired()])
      .when(marketing('email', 'outbound', 'support'))
      .thenRecords();
    given([acquired()])
      .when(marketing('sms', 'outbound', 'sales'))
      .thenRecords();
  });

  it('follows the configured policy, not the default', () => {
    const policy: ConsentPolicy = { ...DEFAULT_CONSENT_POLICY, email: 'opt-out', phone: 'opt-in' };
    given([acquired()], policy).when(marketing('email')).thenRecords();
    given([acquired()], policy).when(marketing('phone')).thenFails('CONSENT_REQUIRED');
  });

  it('refuses a contact cost that is not valid money', () =>
    given([acquired()])
      .when(
        command('RecordContact', {
          channel: 'phone',
          direction: 'inbound',
          purpose: 'support',
          cost: { minor: -1, currency: 'EUR' },
        }),
      )
      .thenFails('INVALID_MONEY', 'data.cost'));
});

describe('customer decider: complaints', () => {
  it('opens a complaint', () => given([acquired()]).when(open('k-1')).thenRecords());

  it('opens a complaint once', () =>
    given([acquired(), opened('k-1')])
      .when(open('k-1'))
      .thenFails('COMPLAINT_ALREADY_OPENED', 'data.complaintId'));

  it('does not reopen a resolved complaint under the same id', () =>
    given([acquired(), opened('k-1'), resolved('k-1')])
      .when(open('k-1'))
      .thenFails('COMPLAINT_ALREADY_OPENED'));

  it('resolves an open complaint, with compensation', () =>
    given([acquired(), opened('k-1')])
      .when(resolve('k-1', { compensation: { minor: 500, currency: 'EUR' } }))
      .thenRecords());

  it('resolves a complaint once', () =>
    given([acquired(), opened('k-1'), resolved('k-1')])
      .when(resolve('k-1'))
      .thenFails('COMPLAINT_ALREADY_RESOLVED', 'data.complaintId'));

  it('refuses to resolve an unknown complaint', () =>
    given([acquired(), opened('k-1')])
      .when(resolve('k-2'))
      .thenFails('COMPLAINT_NOT_FOUND', 'data.complaintId'));

  it.each([
    ['negative', { minor: -1, currency: 'EUR' }],
    ['fractional', { minor: 1.5, currency: 'EUR' }],
    ['unknown currency', { minor: 100, currency: 'ECU' }],
  ])('refuses %s compensation', (_, compensation) =>
    given([acquired(), opened('k-1')])
      .when(resolve('k-1', { compensation }))
      .thenFails('INVALID_MONEY', 'data.compensation'),
  );

  it('needs the customer acquired', () => given([]).when(open('k-1')).thenFails('CUSTOMER_NOT_ACQUIRED'));
});

describe('customer decider: satisfaction scores', () => {
  it.each([
    ['nps', 0],
    ['nps', 10],
    ['csat', 1],
    ['csat', 5],
  ])('records a %s score of %d', (metric, score) =>
    given([acquired()]).when(feedback(metric, score)).thenRecords(),
  );

  it.each([
    ['nps', -1],
    ['nps', 11],
    ['nps', 7.5],
    ['csat', 0],
    ['csat', 6],
    ['csat', '4'],
  ])('refuses a %s score of %p', (metric, score) =>
    given([acquired()]).when(feedback(metric, score)).thenFails('SCORE_OUT_OF_SCALE', 'data.score'),
  );

  it('refuses an unknown metric', () =>
    given([acquired()]).when(feedback('ces', 3)).thenFails('SCORE_OUT_OF_SCALE', 'data.metric'));

  it('refuses a comment (personal data) once personal data was erased, but keeps the score', () => {
    given([acquired(), erased])
      .when(feedback('nps', 9, { comment: 'great' }))
      .thenFails('PERSONAL_DATA_ERASED', 'data.comment');
    given([acquired(), erased]).when(feedback('nps', 9)).thenRecords();
  });
});

describe('customer decider: after churn', () => {
  it.each<[string, CustomerCommand]>([
    ['an exit survey answer', feedback('nps', 2, { comment: 'too expensive' })],
    ['a complaint', open('k-9')],
    ['a consent withdrawal', command('WithdrawConsent', { channel: 'email', purpose: 'marketing' })],
    ['a consent grant', command('GrantConsent', { channel: 'sms', purpose: 'survey' })],
    ['preferences', command('SetPreferences', { contactFrequency: 'never' })],
  ])('accepts %s from a churned customer', (_, c) => given([acquired(), churned]).when(c).thenRecords());

  it('resolves a complaint opened before the churn', () =>
    given([acquired(), opened('k-1'), churned])
      .when(resolve('k-1'))
      .thenRecords());

  it('still refuses marketing to a churned customer first for the churn', () =>
    given([acquired([{ channel: 'email', purpose: 'marketing' }]), churned])
      .when(marketing('email'))
      .thenFails('CUSTOMER_CHURNED'));
});

describe('customer decider: consent and preferences need an acquired customer', () => {
  it.each<[string, CustomerCommand]>([
    ['a grant', command('GrantConsent', { channel: 'email', purpose: 'marketing' })],
    ['a withdrawal', command('WithdrawConsent', { channel: 'email', purpose: 'marketing' })],
    ['preferences', command('SetPreferences', { language: 'en' })],
    ['feedback', feedback('csat', 4)],
  ])('refuses %s before the acquisition', (_, c) => given([]).when(c).thenFails('CUSTOMER_NOT_ACQUIRED'));
});
