import { loadConfig } from '@crm/config';
import { createEventStore } from '@crm/event-store';
import { ApiProblem } from '@crm/http-api';
import { TimeTravel } from '@crm/http-api';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';

/**
 * Time travel from the command line: the same fold as `GET /v1/customers/{id}?asOf=`, read straight from the
 * event store (so it needs no running server and works beside `crm serve`: the embedded store is WAL SQLite).
 */
export const customerCommand: CliCommand = {
  summary: 'Show a customer folded from its stream, now or as of a past moment (time travel)',
  usage: `Usage: crm customer <customerId> [--as-of <date-time|position>] [--basis occurred|recorded]

Folds the customer's stream from the event store, up to a point when --as-of is given:
  --as-of X     an ISO 8601 date-time (business time, see --basis) or a global position (digits)
  --basis B     occurred (default): what had happened by then; recorded: what the store knew by then
Prints the Customer 360 as JSON. Exit codes: 0 found, 1 no events for that customer (as of that point),
2 usage error.`,
  options: { 'as-of': { type: 'string' }, basis: { type: 'string' } },
  async run(values, positionals) {
    const [customerId, ...extra] = positionals;
    if (!customerId || extra.length > 0) {
      console.error(`crm customer: give exactly one customer id\n\n${customerCommand.usage}`);
      return EXIT.USAGE;
    }
    const config = loadConfig();
    const store = createEventStore({ eventStoreUrl: config.EVENTSTORE_URL, dataDir: config.dataDir });
    try {
      // Without --as-of: as of the head, which folds the whole stream.
      const asOf = (values['as-of'] as string | undefined) ?? (await store.headPosition()).toString();
      const customer = await new TimeTravel(store).customerAsOf(
        customerId,
        asOf,
        (values.basis as string | undefined) ?? 'occurred',
      );
      console.log(JSON.stringify(customer, null, 2));
      return EXIT.OK;
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      const field = error.errors?.[0];
      console.error(`crm customer: ${field ? field.message : (error.detail ?? error.title)}`);
      return error.status === 404 ? EXIT.FAILURE : EXIT.USAGE;
    } finally {
      await store.close();
    }
  },
};
