import { parseSqlRequest } from './clickhouse-http.request';

const url = (query: string) => new URL(`http://sql.local/?${query}`);

describe('parseSqlRequest (ClickHouse HTTP interface)', () => {
  it('joins the query parameter and the body, and sorts parameters into protocol, settings and params', () => {
    const request = parseSqlRequest(
      url(
        'query=SELECT&database=crm&default_format=JSON&query_id=q1&max_result_rows=5&param_n=3&session_id=s&compress=1&enable_http_compression=1',
      ),
      {},
      '{n:UInt8}',
    );
    expect(request).toMatchObject({
      query: 'SELECT\n{n:UInt8}',
      database: 'crm',
      defaultFormat: 'JSON',
      queryId: 'q1',
      settings: { max_result_rows: '5' },
      params: { n: '3' },
    });
  });

  it('finds the key in X-ClickHouse-Key, basic auth, a bearer token or the password parameter', () => {
    const basic = `Basic ${Buffer.from('analyst:crm_a_b').toString('base64')}`;
    expect(parseSqlRequest(url('query=1'), { 'x-clickhouse-key': 'k1' }, '').key).toBe('k1');
    expect(parseSqlRequest(url('query=1'), { authorization: basic }, '').key).toBe('crm_a_b');
    expect(parseSqlRequest(url('query=1'), { authorization: 'Bearer k3' }, '').key).toBe('k3');
    expect(parseSqlRequest(url('query=1&user=u&password=k4'), {}, '').key).toBe('k4');
    expect(parseSqlRequest(url('query=1'), {}, '').key).toBeUndefined();
  });

  it('refuses an empty query and a malformed setting name in ClickHouse terms', () => {
    expect(() => parseSqlRequest(url(''), {}, '  ')).toThrow(expect.objectContaining({ code: 62 }));
    expect(() => parseSqlRequest(url('query=1&bad-name=1'), {}, '')).toThrow(
      expect.objectContaining({ code: 115, type: 'UNKNOWN_SETTING' }),
    );
  });
});
