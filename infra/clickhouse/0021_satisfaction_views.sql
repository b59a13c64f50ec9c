-- One row per satisfaction answer (events FINAL: each answer once), with the customer's acquisition profile.
--   nps_class     nps answers: promoter (9-10), passive (7-8), detractor (0-6); '' for csat
--   satisfied     csat answers: score 4 or 5 (CSAT = their share of the csat answers); false for nps
--   cohort_month  the month the customer was acquired, YYYY-MM ('' if the acquisition is not stored)
--   SELECT metric, count(), avg(score) FROM crm.feedback_answers GROUP BY metric
CREATE OR REPLACE VIEW {{database}}.feedback_answers AS
SELECT
    f.event_id AS event_id,
    f.customer_id AS customer_id,
    f.occurred_at AS answered_at,
    f.feedback_metric AS metric,
    assumeNotNull(f.feedback_score) AS score,
    multiIf(metric != 'nps', '', score >= 9, 'promoter', score >= 7, 'passive', 'detractor') AS nps_class,
    metric = 'csat' AND score >= 4 AS satisfied,
    f.channel AS answer_channel,
    f.survey_id AS survey_id,
    f.order_id AS order_id,
    c.acquisition_channel AS acquisition_channel,
    c.cohort_month AS cohort_month,
    c.country AS country
FROM (
    SELECT event_id, customer_id, occurred_at, feedback_metric, feedback_score, channel, survey_id, order_id
    FROM {{database}}.events FINAL
    WHERE event_type = 'CustomerFeedbackGiven' AND feedback_score IS NOT NULL
) AS f
LEFT JOIN (
    SELECT
        customer_id,
        acquisition_channel,
        country,
        if(acquired_at IS NULL, '', formatDateTime(assumeNotNull(acquired_at), '%Y-%m')) AS cohort_month
    FROM {{database}}.customers FINAL
) AS c ON c.customer_id = f.customer_id;

-- The NPS class of each customer by their latest NPS answer up to cutoff (a UTC day, inclusive), and what
-- became of them: churned after that answer (by the cutoff), and revenue to date in one currency (their
-- historical LTV; 0 for customers who never bought in it).
--   SELECT nps_class, count(), avg(churned_after_answer), avg(revenue_minor)
--   FROM crm.nps_customer_classes(cutoff = '2026-12-31', currency = 'EUR') GROUP BY nps_class
CREATE OR REPLACE VIEW {{database}}.nps_customer_classes AS
WITH
    latest AS (
        SELECT
            customer_id,
            argMax(score, (answered_at, event_id)) AS latest_score,
            argMax(nps_class, (answered_at, event_id)) AS latest_class,
            max(answered_at) AS latest_answered_at,
            count() AS answers
        FROM {{database}}.feedback_answers
        WHERE metric = 'nps' AND answered_at < toDateTime64(addDays({cutoff:Date}, 1), 3, 'UTC')
        GROUP BY customer_id
    ),
    churns AS (
        SELECT customer_id, groupArray(occurred_at) AS churned_at
        FROM {{database}}.events FINAL
        WHERE event_type = 'CustomerChurned'
            AND occurred_at < toDateTime64(addDays({cutoff:Date}, 1), 3, 'UTC')
            AND customer_id IN (SELECT customer_id FROM latest)
        GROUP BY customer_id
    ),
    revenue AS (
        SELECT customer_id, sum(amount_minor) AS revenue_minor
        FROM {{database}}.customer_daily FINAL
        WHERE currency = {currency:String} AND day <= {cutoff:Date}
            AND customer_id IN (SELECT customer_id FROM latest)
        GROUP BY customer_id
    )
SELECT
    l.customer_id AS customer_id,
    l.latest_score AS score,
    l.latest_class AS nps_class,
    l.latest_answered_at AS answered_at,
    l.answers AS answers,
    arrayExists(t -> t >= l.latest_answered_at, ch.churned_at) AS churned_after_answer,
    {currency:String} AS currency,
    r.revenue_minor AS revenue_minor
FROM latest AS l
LEFT JOIN churns AS ch ON ch.customer_id = l.customer_id
LEFT JOIN revenue AS r ON r.customer_id = l.customer_id;
