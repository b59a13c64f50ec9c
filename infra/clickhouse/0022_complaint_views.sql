-- One row per complaint (a customer's complaint id), from events FINAL: when and how it was opened, and its
-- resolution if one is stored. The write path accepts one opening and one resolution per complaint; should a
-- history hold more, the first of each counts.
--   resolved_at, resolution_hours, resolution, compensation_minor, accepted   NULL while unresolved
--   SELECT category, count(), countIf(resolved_at IS NULL) AS open FROM crm.complaints GROUP BY category
CREATE OR REPLACE VIEW {{database}}.complaints AS
WITH
    opened AS (
        SELECT
            customer_id,
            complaint_id,
            min(occurred_at) AS opened_at,
            argMin(complaint_category, occurred_at) AS category,
            argMin(complaint_severity, occurred_at) AS severity,
            argMin(channel, occurred_at) AS opened_channel,
            argMin(order_id, occurred_at) AS order_id
        FROM {{database}}.events FINAL
        WHERE event_type = 'CustomerComplaintOpened'
        GROUP BY customer_id, complaint_id
    ),
    resolved AS (
        SELECT
            customer_id,
            complaint_id,
            toNullable(min(occurred_at)) AS resolved_at,
            toNullable(argMin(complaint_resolution, occurred_at)) AS resolution,
            toNullable(argMin(compensation_minor, occurred_at)) AS compensation_minor,
            toNullable(argMin(currency, occurred_at)) AS compensation_currency,
            argMin(complaint_accepted, occurred_at) AS accepted
        FROM {{database}}.events FINAL
        WHERE event_type = 'CustomerComplaintResolved'
        GROUP BY customer_id, complaint_id
    )
SELECT
    o.customer_id AS customer_id,
    o.complaint_id AS complaint_id,
    o.opened_at AS opened_at,
    o.category AS category,
    o.severity AS severity,
    o.opened_channel AS opened_channel,
    o.order_id AS order_id,
    r.resolved_at AS resolved_at,
    dateDiff('second', o.opened_at, r.resolved_at) / 3600 AS resolution_hours,
    r.resolution AS resolution,
    r.compensation_minor AS compensation_minor,
    r.compensation_currency AS compensation_currency,
    r.accepted AS accepted
FROM opened AS o
LEFT JOIN resolved AS r ON r.customer_id = o.customer_id AND r.complaint_id = o.complaint_id;

-- Complaints opened between start_date and end_date (UTC days, inclusive), each with its state at the end of
-- end_date and whether the customer churned after opening it (by then).
--   resolved_by_end   resolved by the end of end_date
--   churned_after     a CustomerChurned of the customer at or after opened_at, by the end of end_date
--   SELECT resolved_by_end, count(), avg(churned_after)
--   FROM crm.complaint_outcomes(start_date = '2026-01-01', end_date = '2026-12-31') GROUP BY resolved_by_end
CREATE OR REPLACE VIEW {{database}}.complaint_outcomes AS
WITH
    period_complaints AS (
        SELECT *
        FROM {{database}}.complaints
        WHERE opened_at >= toDateTime64({start_date:Date}, 3, 'UTC')
            AND opened_at < toDateTime64(addDays({end_date:Date}, 1), 3, 'UTC')
    ),
    churns AS (
        SELECT customer_id, groupArray(occurred_at) AS churned_at
        FROM {{database}}.events FINAL
        WHERE event_type = 'CustomerChurned'
            AND occurred_at < toDateTime64(addDays({end_date:Date}, 1), 3, 'UTC')
            AND customer_id IN (SELECT customer_id FROM period_complaints)
        GROUP BY customer_id
    )
SELECT
    p.*,
    p.resolved_at IS NOT NULL
        AND assumeNotNull(p.resolved_at) < toDateTime64(addDays({end_date:Date}, 1), 3, 'UTC') AS resolved_by_end,
    arrayExists(t -> t >= p.opened_at, ch.churned_at) AS churned_after
FROM period_complaints AS p
LEFT JOIN churns AS ch ON ch.customer_id = p.customer_id;
