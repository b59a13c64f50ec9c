-- Lifecycle funnel of the customers acquired between start_date and end_date (inclusive, UTC days), as of the
-- end of end_date. Each stage is a subset of the one before it, except churned and reactivated:
--   acquired     CustomerAcquired in the period
--   active       of those, did something themselves after acquisition: purchase, referral or inbound contact
--   purchasing   at least one purchase
--   repeat       at least two purchases
--   churned      churned at least once;   reactivated   came back at least once
--   SELECT * FROM crm.lifecycle_funnel(start_date = '2026-01-01', end_date = '2026-06-30')
CREATE OR REPLACE VIEW {{database}}.lifecycle_funnel AS
WITH per_customer AS (
    SELECT
        customer_id,
        minIf(occurred_at, event_type = 'CustomerAcquired') AS acquired_at,
        countIf(event_type = 'CustomerAcquired') AS acquisitions,
        countIf(
            event_type IN ('CustomerPurchased', 'CustomerReferred')
            OR (event_type = 'CustomerContacted' AND contact_direction = 'inbound')
        ) AS own_actions,
        countIf(event_type = 'CustomerPurchased') AS purchases,
        countIf(event_type = 'CustomerChurned') AS churns,
        countIf(event_type = 'CustomerReactivated') AS reactivations
    FROM {{database}}.events FINAL
    WHERE occurred_at < toDateTime64(addDays({end_date:Date}, 1), 3, 'UTC')
    GROUP BY customer_id
    HAVING acquisitions > 0
        AND acquired_at >= toDateTime64({start_date:Date}, 3, 'UTC')
)
SELECT
    count() AS acquired,
    countIf(own_actions > 0) AS active,
    countIf(purchases > 0) AS purchasing,
    countIf(purchases > 1) AS repeat,
    countIf(churns > 0) AS churned,
    countIf(reactivations > 0) AS reactivated,
    countIf(churns > reactivations) AS churned_at_end
FROM per_customer;

-- Churn per calendar month between start_date and end_date (UTC). A customer is active at a month's start when
-- acquired before it and not churned then (churns and reactivations alternate, so "churned at t" is
-- churns before t > reactivations before t).
--   churn_rate = churned_of_active_at_start / active_at_start
--   SELECT * FROM crm.churn_by_month(start_date = '2026-01-01', end_date = '2026-12-31')
CREATE OR REPLACE VIEW {{database}}.churn_by_month AS
WITH
    months AS (
        SELECT arrayJoin(arrayMap(
            i -> addMonths(toStartOfMonth({start_date:Date}), i),
            range(toUInt32(greatest(0, dateDiff('month', toStartOfMonth({start_date:Date}), toStartOfMonth({end_date:Date})) + 1)))
        )) AS month
    ),
    lifecycle AS (
        SELECT
            customer_id,
            minIf(occurred_at, event_type = 'CustomerAcquired') AS acquired_at,
            groupArrayIf(occurred_at, event_type = 'CustomerChurned') AS churns,
            groupArrayIf(occurred_at, event_type = 'CustomerReactivated') AS reactivations
        FROM {{database}}.events FINAL
        WHERE event_type IN ('CustomerAcquired', 'CustomerChurned', 'CustomerReactivated')
        GROUP BY customer_id
        HAVING countIf(event_type = 'CustomerAcquired') > 0
    ),
    states AS (
        SELECT
            month,
            toDateTime64(month, 3, 'UTC') AS month_start,
            toDateTime64(addMonths(month, 1), 3, 'UTC') AS month_end,
            acquired_at < month_start
                AND length(arrayFilter(t -> t < month_start, churns))
                    <= length(arrayFilter(t -> t < month_start, reactivations)) AS is_active_at_start,
            acquired_at < month_end
                AND length(arrayFilter(t -> t < month_end, churns))
                    <= length(arrayFilter(t -> t < month_end, reactivations)) AS is_active_at_end,
            acquired_at >= month_start AND acquired_at < month_end AS is_acquired_in_month,
            length(arrayFilter(t -> t >= month_start AND t < month_end, churns)) AS churns_in_month,
            length(arrayFilter(t -> t >= month_start AND t < month_end, reactivations)) AS reactivations_in_month
        FROM months CROSS JOIN lifecycle
    )
SELECT
    month,
    countIf(is_active_at_start) AS active_at_start,
    countIf(is_acquired_in_month) AS acquired,
    countIf(churns_in_month > 0) AS churned,
    countIf(is_active_at_start AND churns_in_month > 0) AS churned_of_active_at_start,
    countIf(reactivations_in_month > 0) AS reactivated,
    countIf(is_active_at_end) AS active_at_end,
    round(countIf(is_active_at_start AND churns_in_month > 0) / nullIf(countIf(is_active_at_start), 0), 6) AS churn_rate
FROM states
GROUP BY month
ORDER BY month;

-- Monthly acquisition cohorts as of a cutoff day: for each cohort (month of CustomerAcquired) and month offset
-- (0 = the acquisition month), how many of its customers purchased (any currency) and the revenue (currency).
--   retention_rate            = active_customers / cohort_size
--   cumulative_revenue_minor  = revenue of the cohort from offset 0 to this one
--   SELECT * FROM crm.cohort_retention(cutoff = '2026-06-30', currency = 'EUR')
CREATE OR REPLACE VIEW {{database}}.cohort_retention AS
WITH
    cohort AS (
        SELECT customer_id, toStartOfMonth(assumeNotNull(acquired_at)) AS cohort_month
        FROM {{database}}.customers FINAL
        WHERE acquired_at IS NOT NULL AND toDate(assumeNotNull(acquired_at)) <= {cutoff:Date}
    ),
    sizes AS (
        SELECT cohort_month, count() AS cohort_size FROM cohort GROUP BY cohort_month
    ),
    activity AS (
        SELECT
            c.cohort_month AS cohort_month,
            toUInt32(dateDiff('month', c.cohort_month, toStartOfMonth(d.day))) AS month_offset,
            uniqExact(d.customer_id) AS active_customers,
            sumIf(d.orders, d.currency = {currency:String}) AS currency_orders,
            sumIf(d.amount_minor, d.currency = {currency:String}) AS currency_revenue_minor
        FROM {{database}}.customer_daily AS d FINAL
        INNER JOIN cohort AS c ON c.customer_id = d.customer_id
        WHERE d.day <= {cutoff:Date} AND toStartOfMonth(d.day) >= c.cohort_month
        GROUP BY cohort_month, month_offset
    ),
    grid AS (
        SELECT cohort_month, cohort_size, month_offset
        FROM sizes
        ARRAY JOIN range(toUInt32(dateDiff('month', cohort_month, toStartOfMonth({cutoff:Date})) + 1)) AS month_offset
    )
SELECT
    g.cohort_month AS cohort_month,
    g.cohort_size AS cohort_size,
    g.month_offset AS month_offset,
    a.active_customers AS active_customers,
    round(a.active_customers / g.cohort_size, 6) AS retention_rate,
    a.currency_orders AS orders,
    a.currency_revenue_minor AS revenue_minor,
    sum(a.currency_revenue_minor) OVER (PARTITION BY g.cohort_month ORDER BY g.month_offset) AS cumulative_revenue_minor
FROM grid AS g
LEFT JOIN activity AS a ON a.cohort_month = g.cohort_month AND a.month_offset = g.month_offset
ORDER BY cohort_month, month_offset;
