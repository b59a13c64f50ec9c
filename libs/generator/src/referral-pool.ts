import type { SeededRandom } from './random/seeded-random';

/**
 * Promoters who may bring in new customers. Each referral a promoter makes adds them once more, so who has
 * referred will more likely refer again (preferential attachment: a few promoters with large trees, many with
 * one or two referrals). Half the picks come from recent entries: people refer soon after they join.
 */
export class ReferralPool {
  private entries = new Int32Array(1024);
  private length = 0;

  add(index: number): void {
    if (this.length === this.entries.length) {
      const grown = new Int32Array(this.entries.length * 2);
      grown.set(this.entries);
      this.entries = grown;
    }
    this.entries[this.length++] = index;
  }

  /** A candidate referrer, or -1 when there is none yet. */
  pick(random: SeededRandom, recentWindow = 2000): number {
    if (this.length === 0) return -1;
    if (random.chance(0.5))
      return this.entries[this.length - 1 - random.int(Math.min(this.length, recentWindow))];
    return this.entries[random.int(this.length)];
  }
}
