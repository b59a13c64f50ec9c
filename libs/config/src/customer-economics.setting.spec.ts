import { ConfigError, loadConfig } from './app.config';
import { costToServeProblem, parseCostToServe } from './customer-economics.setting';

describe('customer economics settings', () => {
  it('has a margin and a cost-to-serve table by default', () => {
    const economics = loadConfig({}).customerEconomics;
    expect(economics.margin).toBe(0.3);
    expect(economics.costToServe.currency).toBe('EUR');
    expect(economics.costToServe.minorByChannel).toMatchObject({ email: 5, phone: 400 });
  });

  it('reads PROFIT_MARGIN, COST_TO_SERVE and its currency', () => {
    const economics = loadConfig({
      PROFIT_MARGIN: '0.45',
      COST_TO_SERVE: 'email=3, phone=250',
      COST_TO_SERVE_CURRENCY: 'USD',
    }).customerEconomics;
    expect(economics).toEqual({
      margin: 0.45,
      costToServe: { currency: 'USD', minorByChannel: { email: 3, phone: 250 } },
    });
  });

  it('accepts an empty table (no per-channel costs)', () => {
    expect(loadConfig({ COST_TO_SERVE: ' ' }).customerEconomics.costToServe.minorByChannel).toEqual({});
  });

  it.each([
    ['PROFIT_MARGIN', '1.5'],
    ['PROFIT_MARGIN', '-0.1'],
    ['PROFIT_MARGIN', 'a lot'],
    ['COST_TO_SERVE', 'fax=10'],
    ['COST_TO_SERVE', 'email=0.05'],
    ['COST_TO_SERVE', 'email=5,email=6'],
    ['COST_TO_SERVE_CURRENCY', 'euro'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}=`));
  });

  it('says what is wrong with a table', () => {
    expect(costToServeProblem('email=5,fax=1')).toMatch(/unknown channel "fax"/);
    expect(costToServeProblem('email')).toMatch(/not channel=integer/);
    expect(parseCostToServe('sms=8,mail=120')).toEqual({ sms: 8, mail: 120 });
  });
});
