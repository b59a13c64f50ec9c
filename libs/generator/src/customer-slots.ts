export const STATUS_UNKNOWN = 0;
export const STATUS_ACTIVE = 1;
export const STATUS_CHURNED = 2;

export const CHURN_NONE = 0;
export const CHURN_VOLUNTARY = 1;
export const CHURN_INVOLUNTARY = 2;

export const CHURN_SERVICE = 3;

export const FEEDBACK_NPS = 1;
export const FEEDBACK_CSAT = 2;

export const COMPLAINT_NONE = 0;
export const COMPLAINT_PENDING = 1;
export const COMPLAINT_OPEN = 2;

export const INBOUND_SUPPORT = 1;
export const INBOUND_SALES = 2;

/**
 * The state of every customer, as columns of typed arrays indexed by acquisition order (about 160 bytes a
 * customer, no per-customer objects): what the simulation needs to produce each customer's next event.
 * Times are epoch milliseconds (whole seconds); Infinity means "nothing scheduled".
 */
export class CustomerSlots {
  /** Latent BG/NBD purchase rate (per operational day) and dropout probability; Gamma-Gamma's nu. */
  readonly lambda: Float64Array;
  readonly dropout: Float64Array;
  readonly nu: Float64Array;
  /** Latent: still buying (BG/NBD "alive"). Not the recorded status. */
  readonly alive: Uint8Array;
  /** Recorded status, as the decider sees it: STATUS_*. */
  readonly status: Uint8Array;
  readonly country: Uint8Array;
  readonly income: Uint8Array;
  readonly ageBand: Uint8Array;
  readonly pendingChurn: Uint8Array;
  readonly inboundKind: Uint8Array;
  readonly retentionLeft: Uint8Array;
  readonly surveyPending: Uint8Array;
  readonly purchases: Uint32Array;
  readonly contacts: Uint32Array;
  readonly acquiredAt: Float64Array;
  readonly lastActivity: Float64Array;
  readonly churnedAt: Float64Array;
  readonly nextPurchase: Float64Array;
  readonly nextOutbound: Float64Array;
  readonly nextInbound: Float64Array;
  readonly nextChurn: Float64Array;
  /** Issue 13's facts. Latent satisfaction (standard normal, lower for customers prone to drop out). */
  readonly mood: Float32Array;
  /** Consents held, as consentBit() masks; 1 when the customer asked for no marketing at all. */
  readonly consents: Uint16Array;
  readonly noMarketing: Uint8Array;
  readonly preferencesPending: Uint8Array;
  readonly nextConsent: Float64Array;
  /** A pending survey answer: FEEDBACK_* and the purchase it is about. */
  readonly feedbackKind: Uint8Array;
  readonly feedbackOrder: Uint32Array;
  readonly nextFeedback: Float64Array;
  /** The customer's complaint (at most one at a time): COMPLAINT_*, its order, the order's amount. */
  readonly complaint: Uint8Array;
  readonly complaints: Uint16Array;
  readonly complaintOrder: Uint32Array;
  readonly complaintOrderMinor: Float64Array;
  readonly nextComplaint: Float64Array;
  readonly nextResolve: Float64Array;
  /** Heap key: the earliest of the above (and of the inactivity deadline). */
  readonly nextAt: Float64Array;

  constructor(readonly size: number) {
    this.lambda = new Float64Array(size);
    this.dropout = new Float64Array(size);
    this.nu = new Float64Array(size);
    this.alive = new Uint8Array(size);
    this.status = new Uint8Array(size);
    this.country = new Uint8Array(size);
    this.income = new Uint8Array(size);
    this.ageBand = new Uint8Array(size);
    this.pendingChurn = new Uint8Array(size);
    this.inboundKind = new Uint8Array(size);
    this.retentionLeft = new Uint8Array(size);
    this.surveyPending = new Uint8Array(size);
    this.purchases = new Uint32Array(size);
    this.contacts = new Uint32Array(size);
    this.acquiredAt = new Float64Array(size);
    this.lastActivity = new Float64Array(size);
    this.churnedAt = new Float64Array(size);
    this.nextPurchase = new Float64Array(size).fill(Infinity);
    this.nextOutbound = new Float64Array(size).fill(Infinity);
    this.nextInbound = new Float64Array(size).fill(Infinity);
    this.nextChurn = new Float64Array(size).fill(Infinity);
    this.mood = new Float32Array(size);
    this.consents = new Uint16Array(size);
    this.noMarketing = new Uint8Array(size);
    this.preferencesPending = new Uint8Array(size);
    this.nextConsent = new Float64Array(size).fill(Infinity);
    this.feedbackKind = new Uint8Array(size);
    this.feedbackOrder = new Uint32Array(size);
    this.nextFeedback = new Float64Array(size).fill(Infinity);
    this.complaint = new Uint8Array(size);
    this.complaints = new Uint16Array(size);
    this.complaintOrder = new Uint32Array(size);
    this.complaintOrderMinor = new Float64Array(size);
    this.nextComplaint = new Float64Array(size).fill(Infinity);
    this.nextResolve = new Float64Array(size).fill(Infinity);
    this.nextAt = new Float64Array(size).fill(Infinity);
  }
}
