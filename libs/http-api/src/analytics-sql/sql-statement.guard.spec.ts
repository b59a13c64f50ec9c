import {
  checkQueryTree,
  classifyStatement,
  formatClauseOf,
  selectsWithin,
  withoutFormatClause,
} from './sql-statement.guard';

describe('classifyStatement (on ClickHouse-formatted single statements)', () => {
  it.each(['SELECT 1', 'WITH a AS (SELECT 1) SELECT * FROM a'])('runs %s as data', (sql) =>
    expect(classifyStatement(sql)).toBe('data'),
  );
  it.each(['SHOW TABLES', 'DESCRIBE TABLE crm.events', 'EXISTS TABLE crm.events', 'EXPLAIN SELECT 1'])(
    'runs %s as metadata',
    (sql) => expect(classifyStatement(sql)).toBe('metadata'),
  );
  it.each([
    'INSERT INTO crm.events FORMAT Values',
    'CREATE TABLE t (x UInt8) ENGINE = Memory',
    'SET readonly = 0',
    'SYSTEM DROP DNS CACHE',
    'KILL QUERY WHERE 1',
    'SHOW PROCESSLIST',
    "SELECT 1 INTO OUTFILE 'x'",
  ])('refuses %s as READONLY', (sql) =>
    expect(() => classifyStatement(sql)).toThrow(expect.objectContaining({ code: 164, type: 'READONLY' })),
  );
});

describe('the FORMAT clause', () => {
  it('is found at the end, before or after SETTINGS', () => {
    expect(formatClauseOf('SELECT 1 FORMAT JSON')).toBe('JSON');
    expect(formatClauseOf('SELECT 1 FORMAT JSON SETTINGS max_threads = 1')).toBe('JSON');
    expect(formatClauseOf('SELECT 1 SETTINGS max_threads = 1 FORMAT CSV')).toBe('CSV');
    expect(formatClauseOf("SELECT 'FORMAT JSON' AS x")).toBeUndefined();
  });

  it('is removed for EXPLAIN, SETTINGS kept', () => {
    expect(withoutFormatClause('SELECT 1 FORMAT JSON')).toBe('SELECT 1');
    expect(withoutFormatClause('SELECT 1 FORMAT JSON SETTINGS a = 1')).toBe('SELECT 1 SETTINGS a = 1');
  });
});

describe('checkQueryTree', () => {
  const tree = (...lines: string[]) => ['QUERY id: 0', ...lines].join('\n');

  it('lets the analytics database, the allowed system tables and generating functions through', () => {
    expect(() =>
      checkQueryTree(
        tree(
          'TABLE id: 3, alias: __table1, table_name: crm.events',
          'TABLE id: 5, alias: __table2, table_name: system.one',
          'TABLE_FUNCTION id: 7, alias: __table3, table_function_name: numbers',
        ),
        'crm',
      ),
    ).not.toThrow();
  });

  it.each([
    ['another database', 'TABLE id: 3, table_name: crm_rebuild.events'],
    ['a system table clients do not need', 'TABLE id: 3, table_name: system.parts'],
    ['a quoted database', 'TABLE id: 3, table_name: `crm.x`.events'],
    ['a table function that reads', 'TABLE_FUNCTION id: 3, table_function_name: merge'],
  ])('refuses %s as ACCESS_DENIED', (_what, line) =>
    expect(() => checkQueryTree(tree(line), 'crm')).toThrow(
      expect.objectContaining({ code: 497, type: 'ACCESS_DENIED' }),
    ),
  );
});

describe('selectsWithin (the reads inside a metadata statement)', () => {
  it('finds each SELECT up to its closing parenthesis, not those in literals', () => {
    expect(selectsWithin('EXPLAIN PLAN header = 1 SELECT (SELECT 1) FROM crm.events')).toEqual([
      'SELECT (SELECT 1) FROM crm.events',
      'SELECT 1',
    ]);
    expect(
      selectsWithin("SHOW TABLES WHERE name IN (SELECT name FROM system.parts) AND name != 'SELECT'"),
    ).toEqual(['SELECT name FROM system.parts']);
    expect(selectsWithin('DESCRIBE TABLE crm.events')).toEqual([]);
  });
});
