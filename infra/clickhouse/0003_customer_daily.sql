-- Purchases per customer, currency and UTC day: what RFM, LTV, cohorts and the CLV models read (the CLV
-- models count one transaction per customer-day, as the literature does).
--
-- Kept exact the same way as the customer dimension: the projector rewrites the (customer, day) rows a batch
-- touches from events FINAL; version = orders counted, which only grows. Read it with FINAL.
-- Not a materialized view on purpose: a materialized view aggregates inserted blocks, so a redelivered
-- event would be summed twice.
CREATE TABLE IF NOT EXISTS {{database}}.customer_daily
(
    customer_id    String,
    currency       LowCardinality(String),
    day            Date,
    orders         UInt32,
    amount_minor   Int64 COMMENT 'Sum of the orders in minor units of currency',
    items          UInt32 COMMENT 'Units bought (sum of line item quantities)',
    first_at       DateTime64(3, 'UTC'),
    last_at        DateTime64(3, 'UTC'),
    version        UInt64 COMMENT 'Orders reflected (ReplacingMergeTree version)'
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYear(day)
ORDER BY (customer_id, currency, day);
