import type {
  ComplaintSeverity,
  CustomerComplaintOpenedData,
  CustomerComplaintResolvedData,
  Money,
} from '@crm/domain';
import {
  COMPLAINT_CATEGORY_WEIGHTS,
  COMPLAINT_CHANNELS,
  COMPLAINT_SEVERITY_WEIGHTS,
  RESOLUTION_DELAY_FACTOR,
  RESOLUTIONS,
} from './catalog/complaints.data';
import type { SeededRandom } from './random/seeded-random';
import { WeightedChoice } from './random/weighted-choice';

const CATEGORIES = WeightedChoice.of(COMPLAINT_CATEGORY_WEIGHTS);
const CHANNELS = WeightedChoice.of(COMPLAINT_CHANNELS);
const RESOLUTION_CHOICE = new WeightedChoice(
  RESOLUTIONS,
  RESOLUTIONS.map((r) => r.weight),
);
export const SEVERITIES = COMPLAINT_SEVERITY_WEIGHTS.map(([s]) => s);
const SEVERITY_CHOICE = new WeightedChoice(
  SEVERITIES.map((_, i) => i),
  COMPLAINT_SEVERITY_WEIGHTS.map(([, w]) => w),
);

export const complaintId = (index: number, sequence: number): string => `cmp-${index + 1}-${sequence}`;

/** Complaints about an order, and how they end (compensation in the order's currency). */
export class ComplaintFactory {
  constructor(private readonly random: SeededRandom) {}

  severity(): number {
    return SEVERITY_CHOICE.draw(this.random);
  }

  opened(id: string, severity: number, orderId: string): CustomerComplaintOpenedData {
    return {
      complaintId: id,
      category: CATEGORIES.draw(this.random),
      severity: SEVERITIES[severity],
      channel: CHANNELS.draw(this.random),
      orderId,
    };
  }

  delayFactor(severity: number): number {
    return RESOLUTION_DELAY_FACTOR[SEVERITIES[severity] as ComplaintSeverity];
  }

  resolved(id: string, orderMinor: number, currency: string): CustomerComplaintResolvedData {
    const random = this.random;
    const r = RESOLUTION_CHOICE.draw(random);
    let compensation: Money | undefined;
    if (r.compensationChance > 0 && random.chance(r.compensationChance)) {
      const [min, max] = r.compensation;
      const minor = Math.max(1, Math.round(orderMinor * (min + (max - min) * random.float())));
      compensation = { minor, currency };
    }
    return {
      complaintId: id,
      resolution: r.resolution,
      ...(compensation ? { compensation } : {}),
      accepted: random.chance(r.acceptance),
    };
  }
}
