import { ClickHouseHttpError } from './clickhouse-error';

/** Statements that read: data queries, and the metadata statements clients and SQL tools send. */
const DATA_KINDS = new Set(['SELECT', 'WITH']);
const METADATA_KINDS = new Set(['SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN']);

/**
 * System tables the entrance lets clients read: what clients ask at connect (`system.settings`), what SQL
 * tools need to list the schema and offer completion, and the constant tables. Not the logs, processes,
 * parts or the server's configuration.
 */
export const READABLE_SYSTEM_TABLES = new Set([
  'one',
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'settings',
  'functions',
  'formats',
  'data_type_families',
  'table_functions',
  'table_engines',
  'aggregate_function_combinators',
  'time_zones',
  'collations',
  'keywords',
  'build_options',
  'databases',
  'tables',
  'columns',
]);

/** Table functions that generate rows and read nothing (`file`, `url`, `remote`... are refused). */
const GENERATING_TABLE_FUNCTIONS = new Set([
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'values',
  'generate_series',
  'generateSeries',
  'null',
]);

export type StatementKind = 'data' | 'metadata';

/**
 * What a statement is, from ClickHouse's own formatting of it (comments gone, keywords upper-case, one
 * statement only: `formatQuerySingleLine` refuses several). Writes, DDL, SET, SYSTEM, KILL... never run; the
 * session is read-only anyway (readonly = 1), this only makes the refusal come first and say why.
 */
export function classifyStatement(formatted: string): StatementKind {
  const kind = /^\s*(\w+)/.exec(formatted)?.[1]?.toUpperCase() ?? '';
  if (/\bINTO\s+OUTFILE\b/i.test(formatted)) {
    throw new ClickHouseHttpError(164, 'READONLY', 'Cannot write to a file: the SQL entrance is read-only');
  }
  if (DATA_KINDS.has(kind)) return 'data';
  if (METADATA_KINDS.has(kind) && !/^SHOW\s+(FULL\s+)?PROCESSLIST\b/i.test(formatted)) return 'metadata';
  throw new ClickHouseHttpError(
    164,
    'READONLY',
    `Cannot execute query in readonly mode: the SQL entrance runs SELECT, WITH, SHOW, DESCRIBE, EXISTS and ` +
      `EXPLAIN statements, not ${kind || 'this statement'}`,
  );
}

/** The output format named by a formatted statement's FORMAT clause, if any (the last one, at its end). */
export function formatClauseOf(formatted: string): string | undefined {
  return /\sFORMAT\s+(\w+)(?:\s+SETTINGS\s+(?:(?!\sFORMAT\s).)*)?\s*$/i.exec(formatted)?.[1];
}

/** The statement without its FORMAT clause, so that EXPLAIN answers in text whatever the client asked for. */
export function withoutFormatClause(formatted: string): string {
  return formatted.replace(/\sFORMAT\s+\w+((?:\s+SETTINGS\s+(?:(?!\sFORMAT\s).)*)?)\s*$/i, '$1');
}

function unquote(identifier: string): string {
  const quoted = /^[`"](.*)[`"]$/.exec(identifier);
  return quoted ? quoted[1].replace(/\\(.)/g, '$1') : identifier;
}

/** `db.table` as the query tree prints it (either part may be back-quoted). */
function splitTableName(name: string): [database: string, table: string] | undefined {
  const match = /^(`(?:[^`\\]|\\.)*`|[^.`]+)\.(.+)$/.exec(name);
  return match ? [unquote(match[1]), unquote(match[2])] : undefined;
}

/**
 * Refuses a data query that reads outside the analytics database, given ClickHouse's analysed query tree
 * (`EXPLAIN QUERY TREE`, which names every table and table function the query reads, views and
 * subqueries included). What cannot be recognised is refused.
 */
export function checkQueryTree(tree: string, database: string): void {
  for (const match of tree.matchAll(/\btable_name: ([^,\n]+)/g)) {
    const name = match[1].trim();
    const parts = splitTableName(name);
    const allowed =
      parts !== undefined &&
      (parts[0] === database ||
        (parts[0] === 'system' && READABLE_SYSTEM_TABLES.has(parts[1])) ||
        parts[0].toLowerCase() === 'information_schema');
    if (!allowed) {
      throw new ClickHouseHttpError(
        497,
        'ACCESS_DENIED',
        `Not enough privileges to read ${name}: the SQL entrance reads the analytics database ${database} ` +
          '(and the system tables clients need)',
      );
    }
  }
  for (const match of tree.matchAll(/\btable_function_name: (\w+)/g)) {
    if (!GENERATING_TABLE_FUNCTIONS.has(match[1])) {
      throw new ClickHouseHttpError(
        497,
        'ACCESS_DENIED',
        `Not enough privileges to use the table function ${match[1]}: the SQL entrance reads the analytics ` +
          `database ${database}`,
      );
    }
  }
}

/**
 * The SELECTs inside a metadata statement (`EXPLAIN SELECT ...`, `DESCRIBE (SELECT ...)`, `SHOW ... WHERE x IN
 * (SELECT ...)`), each up to the parenthesis that closes it, so that each gets the data queries' check:
 * EXPLAIN folds scalar subqueries into constants it prints, which would otherwise read any table.
 */
export function selectsWithin(formatted: string): string[] {
  const found: string[] = [];
  const keyword = /\b(SELECT|WITH)\b/gi;
  for (const match of formatted.matchAll(keyword)) {
    const start = match.index ?? 0;
    if (insideQuotes(formatted, start)) continue;
    found.push(formatted.slice(start, closingAt(formatted, start)).trim());
  }
  return found;
}

/** Whether `at` falls inside a '...' literal or a `...` / "..." identifier (backslash escapes). */
function insideQuotes(text: string, at: number): boolean {
  let quote: string | undefined;
  for (let i = 0; i < at; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '`' || c === '"') quote = c;
  }
  return quote !== undefined;
}

/** Index of the parenthesis closing the expression that starts at `from` (or the end of the text). */
function closingAt(text: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return i;
  }
  return text.length;
}
