import { DEFAULT_CONSENT_POLICY, parseConsentPolicy } from './consent.policy';
import { CONTACT_CHANNELS } from './customer-events';

describe('consent policy', () => {
  it('has a mode for every contact channel, electronic marketing opt-in', () => {
    expect(Object.keys(DEFAULT_CONSENT_POLICY).sort()).toEqual([...CONTACT_CHANNELS].sort());
    for (const channel of ['email', 'sms', 'push'] as const)
      expect(DEFAULT_CONSENT_POLICY[channel]).toBe('opt-in');
  });

  it('parses channel:mode pairs over the default', () => {
    expect(parseConsentPolicy('phone:opt-in, email:opt-out')).toEqual({
      ...DEFAULT_CONSENT_POLICY,
      phone: 'opt-in',
      email: 'opt-out',
    });
  });

  it.each([
    ['fax:opt-in', 'unknown channel "fax"'],
    ['email:maybe', 'email must be opt-in or opt-out'],
    ['email', 'email must be opt-in or opt-out'],
    ['email:opt-in:x', 'email must be opt-in or opt-out'],
    ['email:opt-in,email:opt-out', 'email is named twice'],
    ['', 'unknown channel ""'],
  ])('refuses %p with the reason', (text, reason) => {
    expect(parseConsentPolicy(text)).toEqual({ error: expect.stringContaining(reason) });
  });
});
