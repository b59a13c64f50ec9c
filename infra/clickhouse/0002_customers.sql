-- Customer dimension: one row per customer, its acquisition profile and current lifecycle stage.
--
-- The projector rewrites the row of every customer a batch touches with INSERT ... SELECT over that customer's
-- deduplicated events (events FINAL), so a row is a pure function of the events stored: redelivery and replay
-- rewrite the same row. `version` = number of events the row reflects; it only grows as events arrive, and
-- ReplacingMergeTree(version) keeps the highest, so two projector instances racing on a customer still leave
-- the most complete row. Read it with FINAL.
CREATE TABLE IF NOT EXISTS {{database}}.customers
(
    customer_id          String,
    acquired_at          Nullable(DateTime64(3, 'UTC')),
    acquisition_channel  LowCardinality(String) COMMENT 'organic, paid_search, paid_social, email, referral, partner, direct, offline',
    campaign             String,
    referred_by          String,
    country              LowCardinality(String),
    city                 String,
    birth_year           Nullable(UInt16),
    gender               LowCardinality(String),
    income_band          LowCardinality(String),
    attributes           Map(String, String),
    stage                LowCardinality(String) COMMENT 'acquired (never purchased), active (purchased, not churned), churned',
    first_purchase_at    Nullable(DateTime64(3, 'UTC')),
    last_purchase_at     Nullable(DateTime64(3, 'UTC')),
    purchases            UInt32 COMMENT 'Orders, all currencies',
    contacts             UInt32,
    referrals_made       UInt32,
    churn_count          UInt32,
    reactivation_count   UInt32,
    last_churned_at      Nullable(DateTime64(3, 'UTC')),
    last_churn_reason    LowCardinality(String),
    last_event_at        DateTime64(3, 'UTC'),
    stream_revision      UInt64 COMMENT 'Highest stream revision reflected',
    version              UInt64 COMMENT 'Number of events reflected (ReplacingMergeTree version)',
    updated_at           DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY customer_id;
