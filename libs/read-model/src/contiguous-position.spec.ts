import { contiguousPosition, type PartitionOffset } from './projection-checkpoint.repository';

const at = (partition: number, offset: number, position?: number): PartitionOffset => ({
  topic: 't',
  partition,
  offset: String(offset),
  ...(position === undefined ? {} : { position: BigInt(position) }),
});
const ends = (...highs: number[]) => new Map(highs.map((high, partition) => [partition, BigInt(high)]));

describe('contiguousPosition: the position below which every partition has handled everything', () => {
  it('is the checkpoint when no partition has anything left to read, idle partitions included', () => {
    // Partition 1 handled its last event long ago (position 3): it holds nothing back.
    expect(contiguousPosition(40n, [at(0, 5, 40), at(1, 2, 3)], ends(5, 2))).toBe(40n);
    expect(contiguousPosition(40n, [at(0, 5, 40)], ends(5, 0))).toBe(40n);
  });

  it('is the lowest handled position among partitions with messages left', () => {
    expect(contiguousPosition(40n, [at(0, 5, 40), at(1, 2, 3), at(2, 7, 30)], ends(5, 4, 9))).toBe(3n);
  });

  it('is unknown when a partition with messages left has handled none, or reported no position', () => {
    expect(contiguousPosition(40n, [at(0, 5, 40)], ends(5, 1))).toBeUndefined();
    expect(contiguousPosition(40n, [at(0, 5, 40), at(1, 2)], ends(5, 3))).toBeUndefined();
  });

  it('is the checkpoint (possibly none) when nothing was published', () => {
    expect(contiguousPosition(undefined, [], ends(0, 0))).toBeUndefined();
    expect(contiguousPosition(9n, [], new Map())).toBe(9n);
  });
});
