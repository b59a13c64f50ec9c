-- Issue 13's facts on the fact table: satisfaction answers, complaints, consent and preferences, the cost of a
-- contact, and marketing spend. Typed columns, empty (or NULL where "absent" differs from zero) on the rows of
-- other types. Money reuses `currency`: an event carries at most one amount, and its currency is the row's.
-- Free-text comments are personal data (sealed in the event store, gone after erasure): they are never copied.
--
-- Marketing spend is not a customer fact: MarketingSpendRecorded comes from the stream `campaign-<campaign>`
-- and its row has customer_id = '' (no customer; the customers table never gets a row for it), campaign and
-- channel = the campaign and acquisition channel the money was spent on.
ALTER TABLE {{database}}.events
    ADD COLUMN IF NOT EXISTS feedback_metric LowCardinality(String) DEFAULT '' COMMENT 'FeedbackGiven: nps (0-10) or csat (1-5); channel = where it was answered, order_id = the order it is about',
    ADD COLUMN IF NOT EXISTS feedback_score Nullable(UInt8) COMMENT 'FeedbackGiven: the score on the metric scale',
    ADD COLUMN IF NOT EXISTS survey_id String DEFAULT '' COMMENT 'FeedbackGiven',
    ADD COLUMN IF NOT EXISTS contact_event_id String DEFAULT '' COMMENT 'FeedbackGiven: the contact (its event id) the answer is about',
    ADD COLUMN IF NOT EXISTS complaint_id String DEFAULT '' COMMENT 'ComplaintOpened and ComplaintResolved: the id given by the publisher, pairs the two',
    ADD COLUMN IF NOT EXISTS complaint_category LowCardinality(String) DEFAULT '' COMMENT 'ComplaintOpened: product, delivery, billing, service, staff, website, privacy, other; channel = where it came in',
    ADD COLUMN IF NOT EXISTS complaint_severity LowCardinality(String) DEFAULT '' COMMENT 'ComplaintOpened: low, medium, high, critical',
    ADD COLUMN IF NOT EXISTS complaint_resolution LowCardinality(String) DEFAULT '' COMMENT 'ComplaintResolved: refund, replacement, credit, repair, apology, explanation, rejected',
    ADD COLUMN IF NOT EXISTS compensation_minor Int64 DEFAULT 0 COMMENT 'ComplaintResolved: compensation in minor units of currency (0: none)',
    ADD COLUMN IF NOT EXISTS complaint_accepted Nullable(Bool) COMMENT 'ComplaintResolved: whether the customer accepted the resolution',
    ADD COLUMN IF NOT EXISTS consent_purpose LowCardinality(String) DEFAULT '' COMMENT 'ConsentGranted and ConsentWithdrawn: marketing, survey, profiling, third_party; channel = the contact channel',
    ADD COLUMN IF NOT EXISTS consents Array(String) DEFAULT [] COMMENT 'Acquired: consents given at sign-up, as channel:purpose',
    ADD COLUMN IF NOT EXISTS preferred_language LowCardinality(String) DEFAULT '' COMMENT 'PreferencesSet: BCP 47 tag; channel = preferred channel (each empty when not given)',
    ADD COLUMN IF NOT EXISTS contact_frequency LowCardinality(String) DEFAULT '' COMMENT 'PreferencesSet: daily, weekly, monthly, quarterly, never',
    ADD COLUMN IF NOT EXISTS preferred_categories Array(String) DEFAULT [] COMMENT 'PreferencesSet: product categories of interest',
    ADD COLUMN IF NOT EXISTS contact_cost_minor Nullable(Int64) COMMENT 'Contacted: what the contact cost, minor units of currency; NULL: the configured per-channel cost applies',
    ADD COLUMN IF NOT EXISTS period_start Nullable(Date) COMMENT 'MarketingSpendRecorded: first day the spend covers',
    ADD COLUMN IF NOT EXISTS period_end Nullable(Date) COMMENT 'MarketingSpendRecorded: last day the spend covers (inclusive)',
    ADD COLUMN IF NOT EXISTS spend_minor Int64 DEFAULT 0 COMMENT 'MarketingSpendRecorded: amount in minor units of currency';
