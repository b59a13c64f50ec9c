-- The fact table: one row per lifecycle event, whatever its type (columns that do not apply stay empty).
--
-- Deduplication: ReplacingMergeTree on a sorting key that ends with event_id. Every column of the key and of
-- the partition key is a property of the event itself, so a redelivered or replayed event lands on the same
-- key and collapses with its first copy. Merges do that eventually; queries read `FINAL` (directly or through
-- the views below), which collapses at read time, so a duplicate is never counted, merged or not.
--
-- Ordering (event_type, customer_id, occurred_at, event_id): nearly every question reads one event type
-- (purchases, referrals, churns), and the projector re-reads the events of the customers in a batch.
-- Partitions by year of business time: a batch (live or an imported history) touches few partitions,
-- and FINAL works partition by partition.
CREATE TABLE IF NOT EXISTS {{database}}.events
(
    event_id             String COMMENT 'UUID of the event: the idempotency key',
    event_type           LowCardinality(String) COMMENT 'CustomerAcquired, CustomerContacted, CustomerPurchased, CustomerReferred, CustomerChurned, CustomerReactivated, CustomerPersonalDataErased',
    customer_id          String,
    stream_revision      UInt64 COMMENT 'Position of the event in its customer stream (0 = first)',
    global_position      UInt64 COMMENT 'Position in the event store global order',
    occurred_at          DateTime64(3, 'UTC') COMMENT 'Business time given by the publisher',
    recorded_at          DateTime64(3, 'UTC') COMMENT 'Append time in the event store',
    source               LowCardinality(String) COMMENT 'metadata.source: the publishing service (import for imported logs)',
    correlation_id       String,
    schema_version       UInt16,
    channel              LowCardinality(String) COMMENT 'Acquired: acquisition channel; Contacted: contact channel; Purchased: sales channel; Referred: referral channel',
    campaign             String COMMENT 'Acquired and Contacted',
    order_id             String COMMENT 'Purchased',
    amount_minor         Int64 COMMENT 'Purchased: order amount in minor units (cents) of currency',
    currency             LowCardinality(String) COMMENT 'Purchased: ISO 4217',
    item_skus            Array(String) COMMENT 'Purchased: line items, parallel arrays',
    item_categories      Array(LowCardinality(String)),
    item_quantities      Array(UInt32),
    item_unit_minor      Array(Int64) COMMENT 'Unit price in minor units of currency',
    referred_by          String COMMENT 'Acquired: the referring customer',
    referred_customer_id String COMMENT 'Referred: the customer referred',
    referral_code        String COMMENT 'Referred',
    churn_reason         LowCardinality(String) COMMENT 'Churned: price, service, competitor, moved, inactivity, other',
    churn_voluntary      Nullable(Bool) COMMENT 'Churned',
    contact_direction    LowCardinality(String) COMMENT 'Contacted: inbound, outbound',
    contact_purpose      LowCardinality(String) COMMENT 'Contacted: sales, support, marketing, retention, survey',
    contact_outcome      String COMMENT 'Contacted',
    agent_id             String COMMENT 'Contacted',
    country              LowCardinality(String) COMMENT 'Acquired: ISO 3166-1 alpha-2 (no names, e-mails or phones are kept here)',
    city                 String COMMENT 'Acquired',
    birth_year           Nullable(UInt16) COMMENT 'Acquired',
    gender               LowCardinality(String) COMMENT 'Acquired: f, m, x, unknown',
    income_band          LowCardinality(String) COMMENT 'Acquired',
    attributes           Map(String, String) COMMENT 'Acquired: free attributes, as strings',
    triggered_by         String COMMENT 'Reactivated: the purchase event that brought the customer back',
    projected_at         DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When the projector wrote the row'
)
ENGINE = ReplacingMergeTree
PARTITION BY toYear(occurred_at)
ORDER BY (event_type, customer_id, occurred_at, event_id);

-- Highest global position the analytics projector has applied, per projection (lag reporting). Written after
-- the data of each batch; ReplacingMergeTree(position) keeps the highest, so it never moves backwards.
CREATE TABLE IF NOT EXISTS {{database}}.projection_checkpoints
(
    projection_name String,
    position        UInt64,
    updated_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(position)
ORDER BY projection_name;
