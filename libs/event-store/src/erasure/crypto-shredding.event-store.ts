import type {
  AllSubscription,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamRead,
  SubscribeOptions,
} from '../event-store.port';
import { ForwardingEventStore } from '../forwarding.event-store';
import type { KeyStore } from './key-store.port';
import { PersonalDataOpener } from './personal-data.opener';
import { sealAppends } from './personal-data.sealer';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * Crypto-shredding over any EventStore adapter. On append, the personal profile fields of an event
 * (PERSONAL_PROFILE_FIELDS: name, e-mail, phone, city) leave `data.profile` and go, AES-256-GCM encrypted
 * with the customer's data key, into `data.sealedPersonalData` with the key's id: the store never sees them
 * in clear. On read they are put back; once the key is destroyed they are simply absent, so every reader
 * (projectors, replays, time travel, the timeline) sees the customer erased without knowing about keys.
 *
 * Events without personal fields, and events recorded before this decorator, pass through unchanged.
 * Positions, revisions and maxCount are the inner store's (one event in, one out).
 *
 * Keys are fetched (and created) once per call, for every customer of the call together (KeyStore.keysFor):
 * a bulk appendToStreams of thousands of new customers costs one key-store transaction, not one each. The
 * keys are on disk before the events sealed with them are appended. A destroyed key refuses the whole call
 * (DataKeyDestroyedError) before the inner store is asked to append anything.
 */
export class CryptoShreddingEventStore extends ForwardingEventStore {
  private readonly opener: PersonalDataOpener;
  /** False: reads hand out events still sealed (the relay's view: the bus never carries personal data). */
  readonly opensOnRead: boolean;

  constructor(
    inner: EventStore,
    readonly keys: KeyStore,
    options: { openOnRead?: boolean } = {},
  ) {
    super(inner);
    this.opener = new PersonalDataOpener(keys);
    this.opensOnRead = options.openOnRead ?? true;
  }

  override async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult> {
    const [sealed] = await sealAppends(this.keys, [{ streamId, events }]);
    return this.inner.appendToStream(streamId, sealed.events, options);
  }

  override async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    return this.inner.appendToStreams(await sealAppends(this.keys, appends));
  }

  override async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.openAll(await this.inner.readStream(streamId, options));
  }

  override async readStreams(reads: readonly StreamRead[]): Promise<RecordedEvent[][]> {
    return Promise.all((await this.inner.readStreams(reads)).map((events) => this.openAll(events)));
  }

  override async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.openAll(await this.inner.readAll(options));
  }

  override subscribeToAll(options?: SubscribeOptions): AllSubscription {
    return new OpeningSubscription(this.inner.subscribeToAll(options), (event) => this.open(event));
  }

  override async close(): Promise<void> {
    await this.inner.close();
    await this.keys.close();
  }

  /** Destroys the customer's data key: from now on every read of their events lacks the personal fields. */
  eraseSubject(customerId: string): Promise<boolean> {
    return this.keys.destroy(customerId);
  }

  private openAll(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    return this.opensOnRead ? this.opener.openAll(events) : Promise.resolve(events);
  }

  private open(event: RecordedEvent): Promise<RecordedEvent> {
    return this.opensOnRead ? this.opener.open(event) : Promise.resolve(event);
  }
}

/** Opens each event a subscription hands out; close() and `for await`'s break close the inner one. */
class OpeningSubscription implements AllSubscription, AsyncIterator<RecordedEvent> {
  private readonly iterator: AsyncIterator<RecordedEvent>;

  constructor(
    private readonly inner: AllSubscription,
    private readonly openEvent: (event: RecordedEvent) => Promise<RecordedEvent>,
  ) {
    this.iterator = inner[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<RecordedEvent>> {
    const result = await this.iterator.next();
    if (result.done) return result;
    try {
      return { done: false, value: await this.openEvent(result.value) };
    } catch (error) {
      // The inner cursor has moved past this event: end the subscription rather than skip it silently.
      await this.inner.close();
      throw error;
    }
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.close();
    return DONE;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
