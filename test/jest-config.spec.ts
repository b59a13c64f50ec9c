import { readConfigs } from 'jest-config';
import { resolve } from 'node:path';

// Jest reads testTimeout only from the global configuration: set inside a project it is silently dropped
// and every test runs with the 5 s default, which a loaded CI machine exceeds.
describe('jest.config.js', () => {
  it('gives every test and hook the intended 30 s timeout', async () => {
    const root = resolve(__dirname, '..');
    const { globalConfig, configs } = await readConfigs({ $0: 'jest', _: [] }, [root]);
    expect(globalConfig.testTimeout).toBe(30_000);
    expect(configs.map((c) => c.displayName?.name)).toEqual(['unit', 'integration', 'e2e']);
  });
});
