-- Issue 12, item 1: the live projector folds each batch into the derived rows instead of re-aggregating the
-- customers' whole histories (libs/analytics/README.md, "The live projector's cost per batch").
--
-- customer_revisions: the recent events of each customer stream, in the columns the derived rows are made of,
-- keyed by (customer, stream revision) so that a copy of an event lands on its first copy's key. The
-- projector inserts a batch here before it folds, and reads back only the revisions its customers' rows do
-- not reflect yet (a range of the sorting key, hence the small granules). Every row is folded by the apply
-- that inserted it or by a concurrent one, so old rows are never needed again: the TTL keeps the table to
-- recent traffic. `scrubbed` = 1 on the copy an erasure writes (city removed), the one merges keep.
CREATE TABLE IF NOT EXISTS {{database}}.customer_revisions
(
    customer_id     String,
    stream_revision UInt64,
    event_type      LowCardinality(String),
    occurred_at     DateTime64(3, 'UTC'),
    channel         LowCardinality(String),
    campaign        String,
    referred_by     String,
    country         LowCardinality(String),
    city            String,
    birth_year      Nullable(UInt16),
    gender          LowCardinality(String),
    income_band     LowCardinality(String),
    attributes      Map(String, String),
    churn_reason    LowCardinality(String),
    currency        LowCardinality(String),
    amount_minor    Int64,
    item_quantities Array(UInt32),
    scrubbed        UInt8 DEFAULT 0,
    projected_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(scrubbed)
ORDER BY (customer_id, stream_revision)
TTL toDateTime(projected_at) + INTERVAL 7 DAY
SETTINGS index_granularity = 256;

-- Which events a customers row reflects, as a set of stream revisions: every revision up to folded_through,
-- plus folded_above (revisions past the first missing one: events delivered out of order, or after an event
-- the store could not hold). A fold adds only the revisions outside that set, so a redelivered event counts
-- once. Rows written before this migration reflected every stored event: their default is their highest
-- revision. `erased`: the customer's personal data was erased (the city stays empty whatever comes after).
ALTER TABLE {{database}}.customers
    ADD COLUMN IF NOT EXISTS erased UInt8 DEFAULT 0 COMMENT 'A CustomerPersonalDataErased event is reflected',
    ADD COLUMN IF NOT EXISTS folded_through Int64 DEFAULT toInt64(stream_revision) COMMENT 'Every stream revision up to this one is reflected (-1: none)',
    ADD COLUMN IF NOT EXISTS folded_above Array(UInt64) DEFAULT [] COMMENT 'Revisions past folded_through that are reflected too (ascending)';

-- The stream revisions of the purchases a daily row sums: a purchase already in the row is not added again.
ALTER TABLE {{database}}.customer_daily
    ADD COLUMN IF NOT EXISTS revisions Array(UInt64) DEFAULT [] COMMENT 'Stream revisions of the purchases summed (ascending)';
