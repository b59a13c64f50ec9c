import { FEEDBACK_SCALES, type CustomerFeedbackGivenData } from './customer-events';
import { ScoreOutOfScaleError } from './domain-errors';

/** An answer's score is an integer on its metric's scale (NPS 0-10, CSAT 1-5): else the error refusing it. */
export function scoreOutOfScale(data: CustomerFeedbackGivenData): ScoreOutOfScaleError | undefined {
  const scale = Object.hasOwn(FEEDBACK_SCALES, data.metric) ? FEEDBACK_SCALES[data.metric] : undefined;
  if (!scale) return new ScoreOutOfScaleError(String(data.metric), data.score);
  const { score } = data;
  if (Number.isInteger(score) && score >= scale.min && score <= scale.max) return undefined;
  return new ScoreOutOfScaleError(data.metric, score, scale.min, scale.max);
}
