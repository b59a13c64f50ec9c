import { describeEventStoreContract } from '../testing/event-store.contract';
import { EsdbEventStore } from './esdb.event-store';

const url = process.env.EVENTSTORE_URL;

if (url) {
  describeEventStoreContract('EventStoreDB', async () => EsdbEventStore.fromConnectionString(url), {
    connectAnother: async () => EsdbEventStore.fromConnectionString(url),
  });
} else {
  console.warn('EventStoreDB contract suite skipped: EVENTSTORE_URL is not set');
  describe.skip('EventStore contract: EventStoreDB (skipped: EVENTSTORE_URL is not set)', () => {
    it('needs a running EventStoreDB, e.g. EVENTSTORE_URL=esdb://localhost:2113?tls=false', () => undefined);
  });
}
