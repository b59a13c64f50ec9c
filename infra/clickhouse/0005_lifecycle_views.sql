-- Lifecycle of the customers acquired between start_date and end_date (UTC days, inclusive), as of the end of
-- end_date: one row per customer, from the deduplicated events (events FINAL) up to then.
--   active          did something themselves after acquisition: a purchase, a referral or an inbound contact
--   purchasing      at least one purchase;  repeat_buyer  at least two
--   churned         churned at least once;  reactivated   came back at least once
--   churned_at_end  churned and not back by the end (churns and reactivations alternate)
-- acquisition_channel and country are those of the CustomerAcquired event, for filtering.
--   SELECT * FROM crm.lifecycle_customers(start_date = '2026-01-01', end_date = '2026-06-30')
CREATE OR REPLACE VIEW {{database}}.lifecycle_customers AS
WITH acquired AS (
    SELECT customer_id
    FROM {{database}}.customers FINAL
    WHERE acquired_at IS NOT NULL
        AND assumeNotNull(acquired_at) >= toDateTime64({start_date:Date}, 3, 'UTC')
        AND assumeNotNull(acquired_at) < toDateTime64(addDays({end_date:Date}, 1), 3, 'UTC')
)
SELECT
    customer_id,
    minIf(occurred_at, event_type = 'CustomerAcquired') AS acquired_at,
    anyIf(channel, event_type = 'CustomerAcquired') AS acquisition_channel,
    anyIf(country, event_type = 'CustomerAcquired') AS country,
    countIf(
        event_type IN ('CustomerPurchased', 'CustomerReferred')
        OR (event_type = 'CustomerContacted' AND contact_direction = 'inbound')
    ) AS own_actions,
    countIf(event_type = 'CustomerPurchased') AS purchases,
    countIf(event_type = 'CustomerChurned') AS churns,
    countIf(event_type = 'CustomerReactivated') AS reactivations,
    own_actions > 0 AS active,
    purchases > 0 AS purchasing,
    purchases > 1 AS repeat_buyer,
    churns > 0 AS churned,
    reactivations > 0 AS reactivated,
    churns > reactivations AS churned_at_end
FROM {{database}}.events FINAL
WHERE customer_id IN (SELECT customer_id FROM acquired)
    AND occurred_at < toDateTime64(addDays({end_date:Date}, 1), 3, 'UTC')
GROUP BY customer_id;

-- The funnel of those customers: each of acquired > active > purchasing > repeat is a subset of the one before;
-- churned is a subset of acquired, reactivated of churned.
--   SELECT * FROM crm.lifecycle_funnel(start_date = '2026-01-01', end_date = '2026-06-30')
CREATE OR REPLACE VIEW {{database}}.lifecycle_funnel AS
SELECT
    count() AS acquired,
    countIf(active) AS active,
    countIf(purchasing) AS purchasing,
    countIf(repeat_buyer) AS repeat,
    countIf(churned) AS churned,
    countIf(reactivated) AS reactivated,
    countIf(churned_at_end) AS churned_at_end
FROM {{database}}.lifecycle_customers(start_date = {start_date:Date}, end_date = {end_date:Date});

-- Every customer acquired before the end of a month, for each calendar month from start_date's month to
-- end_date's month (whole months, UTC). A customer is active at an instant when acquired before it and not
-- churned then: churns before it <= reactivations before it (they alternate).
--   active_at_start / active_at_end   at the first instant of the month / of the next month
--   acquired_in_month, churned_in_month, reactivated_in_month   the event happened in the month
--   lost_in_month                     active at the start and churned during the month (churn rate numerator)
--   SELECT * FROM crm.churn_customer_months(start_date = '2026-01-01', end_date = '2026-12-31')
CREATE OR REPLACE VIEW {{database}}.churn_customer_months AS
WITH
    months AS (
        SELECT arrayJoin(arrayMap(
            i -> addMonths(toStartOfMonth({start_date:Date}), i),
            range(toUInt32(greatest(0,
                dateDiff('month', toStartOfMonth({start_date:Date}), toStartOfMonth({end_date:Date})) + 1)))
        )) AS month
    ),
    lifecycle AS (
        SELECT
            customer_id,
            minIf(occurred_at, event_type = 'CustomerAcquired') AS acquired_at,
            anyIf(channel, event_type = 'CustomerAcquired') AS acquisition_channel,
            anyIf(country, event_type = 'CustomerAcquired') AS country,
            groupArrayIf(occurred_at, event_type = 'CustomerChurned') AS churn_times,
            groupArrayIf(occurred_at, event_type = 'CustomerReactivated') AS reactivation_times
        FROM {{database}}.events FINAL
        WHERE event_type IN ('CustomerAcquired', 'CustomerChurned', 'CustomerReactivated')
            AND occurred_at < toDateTime64(addMonths(toStartOfMonth({end_date:Date}), 1), 3, 'UTC')
        GROUP BY customer_id
        HAVING countIf(event_type = 'CustomerAcquired') > 0
    ),
    bounded AS (
        SELECT
            month,
            toDateTime64(month, 3, 'UTC') AS month_start,
            toDateTime64(addMonths(month, 1), 3, 'UTC') AS month_end,
            lifecycle.*
        FROM months CROSS JOIN lifecycle
    )
SELECT
    month,
    customer_id,
    acquisition_channel,
    country,
    acquired_at < month_start
        AND length(arrayFilter(t -> t < month_start, churn_times))
            <= length(arrayFilter(t -> t < month_start, reactivation_times)) AS active_at_start,
    acquired_at >= month_start AS acquired_in_month,
    arrayExists(t -> t >= month_start AND t < month_end, churn_times) AS churned_in_month,
    arrayExists(t -> t >= month_start AND t < month_end, reactivation_times) AS reactivated_in_month,
    active_at_start AND churned_in_month AS lost_in_month,
    length(arrayFilter(t -> t < month_end, churn_times))
        <= length(arrayFilter(t -> t < month_end, reactivation_times)) AS active_at_end
FROM bounded
WHERE acquired_at < month_end;

-- Churn per calendar month: churn_rate = lost_in_month / active_at_start (customers acquired during the month
-- are in neither; a month with nobody active at its start has no rate).
--   SELECT * FROM crm.churn_by_month(start_date = '2026-01-01', end_date = '2026-12-31')
CREATE OR REPLACE VIEW {{database}}.churn_by_month AS
WITH months AS (
    SELECT arrayJoin(arrayMap(
        i -> addMonths(toStartOfMonth({start_date:Date}), i),
        range(toUInt32(greatest(0,
            dateDiff('month', toStartOfMonth({start_date:Date}), toStartOfMonth({end_date:Date})) + 1)))
    )) AS month
),
counted AS (
    SELECT
        month,
        countIf(active_at_start) AS active_at_start,
        countIf(acquired_in_month) AS acquired,
        countIf(churned_in_month) AS churned,
        countIf(lost_in_month) AS lost,
        countIf(reactivated_in_month) AS reactivated,
        countIf(active_at_end) AS active_at_end
    FROM {{database}}.churn_customer_months(start_date = {start_date:Date}, end_date = {end_date:Date})
    GROUP BY month
)
SELECT
    m.month AS month,
    c.active_at_start AS active_at_start,
    c.acquired AS acquired,
    c.churned AS churned,
    c.lost AS lost,
    c.reactivated AS reactivated,
    c.active_at_end AS active_at_end,
    round(c.lost / nullIf(c.active_at_start, 0), 6) AS churn_rate
FROM months AS m
LEFT JOIN counted AS c ON c.month = m.month
ORDER BY month;

-- Monthly acquisition cohorts as of a cutoff day, one row per customer acquired by the cutoff and month offset
-- (0 = the month of acquisition, up to the cutoff's month, which may be partial):
--   purchased      bought anything that month, in any currency (retention is about the customer, not money)
--   orders, revenue_minor   that month's orders and revenue in the currency asked for
--   SELECT * FROM crm.cohort_customer_months(cutoff = '2026-06-30', currency = 'EUR')
CREATE OR REPLACE VIEW {{database}}.cohort_customer_months AS
WITH
    cohort AS (
        SELECT
            customer_id,
            toStartOfMonth(toDate(assumeNotNull(acquired_at))) AS cohort_month,
            acquisition_channel,
            country
        FROM {{database}}.customers FINAL
        WHERE acquired_at IS NOT NULL AND toDate(assumeNotNull(acquired_at)) <= {cutoff:Date}
    ),
    grid AS (
        SELECT customer_id, cohort_month, acquisition_channel, country, month_offset,
               addMonths(cohort_month, month_offset) AS month
        FROM cohort
        ARRAY JOIN range(toUInt32(dateDiff('month', cohort_month, toStartOfMonth({cutoff:Date})) + 1)) AS month_offset
    ),
    activity AS (
        SELECT
            customer_id,
            toStartOfMonth(day) AS month,
            sum(orders) AS all_orders,
            sumIf(orders, currency = {currency:String}) AS currency_orders,
            sumIf(amount_minor, currency = {currency:String}) AS currency_revenue_minor
        FROM {{database}}.customer_daily FINAL
        WHERE day <= {cutoff:Date} AND customer_id IN (SELECT customer_id FROM cohort)
        GROUP BY customer_id, month
    )
SELECT
    g.cohort_month AS cohort_month,
    g.month_offset AS month_offset,
    g.month AS month,
    g.customer_id AS customer_id,
    g.acquisition_channel AS acquisition_channel,
    g.country AS country,
    {currency:String} AS currency,
    a.all_orders > 0 AS purchased,
    toUInt64(a.currency_orders) AS orders,
    a.currency_revenue_minor AS revenue_minor
FROM grid AS g
LEFT JOIN activity AS a ON a.customer_id = g.customer_id AND a.month = g.month;

-- The retention and revenue matrices: per cohort and month offset, the cohort's size, how many bought
-- (retention_rate = active_customers / cohort_size), orders and revenue in the currency, and revenue
-- accumulated since acquisition (divide by cohort_size for the average cumulative value per customer).
--   SELECT * FROM crm.cohort_retention(cutoff = '2026-06-30', currency = 'EUR') ORDER BY cohort_month, month_offset
CREATE OR REPLACE VIEW {{database}}.cohort_retention AS
SELECT
    *,
    sum(revenue_minor) OVER (PARTITION BY cohort_month ORDER BY month_offset) AS cumulative_revenue_minor
FROM
(
    SELECT
        cohort_month,
        month_offset,
        any(month) AS month,
        {currency:String} AS currency,
        count() AS cohort_size,
        countIf(purchased) AS active_customers,
        round(countIf(purchased) / count(), 6) AS retention_rate,
        sum(orders) AS orders,
        sum(revenue_minor) AS revenue_minor
    FROM {{database}}.cohort_customer_months(cutoff = {cutoff:Date}, currency = {currency:String})
    GROUP BY cohort_month, month_offset
);
