import { DEFAULT_CONSENT_POLICY } from '@crm/domain';
import { ConfigError, loadConfig } from './app.config';

describe('CONSENT_POLICY', () => {
  it('defaults to the lawful policy: electronic marketing opt-in, phone and mail opt-out', () => {
    expect(loadConfig({}).consentPolicy).toEqual(DEFAULT_CONSENT_POLICY);
    expect(loadConfig({}).consentPolicy).toMatchObject({ email: 'opt-in', sms: 'opt-in', phone: 'opt-out' });
  });

  it('overrides the channels it names', () => {
    expect(loadConfig({ CONSENT_POLICY: 'phone:opt-in,email:opt-out' }).consentPolicy).toEqual({
      ...DEFAULT_CONSENT_POLICY,
      phone: 'opt-in',
      email: 'opt-out',
    });
  });

  it.each(['email:maybe', 'fax:opt-in', 'email=opt-in', 'email:opt-in,email:opt-out'])(
    'fails fast naming CONSENT_POLICY when it is %p',
    (value) => {
      expect(() => loadConfig({ CONSENT_POLICY: value })).toThrow(ConfigError);
      expect(() => loadConfig({ CONSENT_POLICY: value })).toThrow(
        /CONSENT_POLICY="[^"]*": CONSENT_POLICY must be/,
      );
    },
  );
});
