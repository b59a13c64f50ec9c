import { randomUUID } from 'node:crypto';
import { eventKey } from './event-key';

describe('eventKey', () => {
  it.each([
    ['', 1648488869409182],
    ['e-1', 4004048519655135],
    ['34b9d120-d7a5-5144-a853-bdfdfa078bb7', 1294171898860468],
    ['kundé-😀', 4317065061036393],
  ])('keeps the key stored files hold for %j', (eventId, key) => {
    expect(eventKey(eventId)).toBe(key);
  });

  it('is a safe integer below 2^52 and spreads ids (no collision among 100,000 UUIDs or counters)', () => {
    const uuids = new Set<number>();
    const counters = new Set<number>();
    let outOfRange = 0;
    for (let i = 0; i < 100_000; i++) {
      const key = eventKey(randomUUID());
      if (!(Number.isSafeInteger(key) && key >= 0 && key < 2 ** 52)) outOfRange += 1;
      uuids.add(key);
      counters.add(eventKey(`evt-${i}`));
    }
    expect(outOfRange).toBe(0);
    expect(uuids.size).toBe(100_000);
    expect(counters.size).toBe(100_000);
  });
});
