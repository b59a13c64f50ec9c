import { ClickHouseHttpError } from './clickhouse-error';
import { sessionSettings, type SqlLimits } from './sql-limits.policy';

const limits: SqlLimits = {
  maxExecutionSeconds: 60,
  maxMemoryBytes: 1_000_000_000,
  maxResultRows: 1_000,
  maxResultBytes: 1_000_000,
};

const refusal = (settings: Record<string, string>) => {
  try {
    sessionSettings(settings, limits);
  } catch (error) {
    return error as ClickHouseHttpError;
  }
  throw new Error('accepted');
};

describe('sessionSettings (what a request may set before its session turns read-only)', () => {
  it('applies every ceiling when the client asks for none', () => {
    expect(sessionSettings({}, limits)).toEqual([
      ['max_execution_time', '60'],
      ['max_memory_usage', '1000000000'],
      ['max_result_rows', '1000'],
      ['max_result_bytes', '1000000'],
    ]);
  });

  it("passes the client's harmless settings first, and lowers a ceiling when asked", () => {
    expect(
      sessionSettings({ output_format_json_quote_64bit_integers: '1', max_result_rows: '10' }, limits),
    ).toEqual([
      ['output_format_json_quote_64bit_integers', '1'],
      ['max_execution_time', '60'],
      ['max_memory_usage', '1000000000'],
      ['max_result_rows', '10'],
      ['max_result_bytes', '1000000'],
    ]);
  });

  it('takes 0 ("no limit" in ClickHouse) as the ceiling itself', () => {
    expect(sessionSettings({ max_execution_time: '0' }, limits)[0]).toEqual(['max_execution_time', '60']);
  });

  it('refuses raising a ceiling, lifting read-only or the overflow modes', () => {
    expect(refusal({ max_result_rows: '1001' })).toMatchObject({
      code: 452,
      type: 'SETTING_CONSTRAINT_VIOLATION',
    });
    expect(refusal({ readonly: '0' })).toMatchObject({ code: 164, type: 'READONLY', httpStatus: 403 });
    expect(refusal({ result_overflow_mode: 'break' })).toMatchObject({ code: 452 });
    expect(refusal({ max_memory_usage: 'lots' })).toMatchObject({ code: 72 });
  });

  it('accepts readonly=1 or 2 from a client repeating what it read', () => {
    expect(sessionSettings({ readonly: '1' }, limits)).toHaveLength(4);
    expect(sessionSettings({ readonly: '2' }, limits)).toHaveLength(4);
  });
});
