import { QueryFailedError } from 'typeorm';
import { isReadModelUnavailable } from './read-model-unavailable';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isReadModelUnavailable', () => {
  it.each([
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['server starting up', withCode('the database system is starting up', '57P03')],
    [
      'connection terminated by a shutdown',
      new QueryFailedError(
        'SELECT 1',
        [],
        withCode('terminating connection due to administrator command', '57P01'),
      ),
    ],
    ['connection exception class', withCode('connection failure', '08006')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['connection closed mid-query', new Error('Connection terminated unexpectedly')],
  ])('%s: unavailable', (_, error) => expect(isReadModelUnavailable(error)).toBe(true));

  it.each([
    ['a syntax error', new QueryFailedError('SELEC 1', [], withCode('syntax error', '42601'))],
    ['a unique violation', withCode('duplicate key', '23505')],
    ['a plain bug', new TypeError('x is undefined')],
    ['not an error', { code: 'ECONNREFUSED' }],
    ['nothing', undefined],
  ])('%s: not unavailable', (_, error) => expect(isReadModelUnavailable(error)).toBe(false));
});
