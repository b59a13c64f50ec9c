-- Promoters between start_date and end_date (UTC days, inclusive); revenue in one currency, up to end_date.
-- One row per referrer (a customer who made a referral in the period, or whose referred customers were
-- acquired in it):
--   referrals_made          CustomerReferred events of the referrer in the period (events FINAL: each once)
--   referred_acquired       customers acquired in the period with referred_by = the referrer
--   referred_buyers         of those, how many bought in the currency by end_date
--   referred_revenue_minor  their revenue in the currency by end_date
--   SELECT * FROM crm.promoter_referrers(start_date = '2026-01-01', end_date = '2026-12-31', currency = 'EUR')
--   ORDER BY referred_revenue_minor DESC LIMIT 10
CREATE OR REPLACE VIEW {{database}}.promoter_referrers AS
WITH
    referrals AS (
        SELECT customer_id AS referrer_id, count() AS referrals_made
        FROM {{database}}.events FINAL
        WHERE event_type = 'CustomerReferred'
            AND occurred_at >= toDateTime64({start_date:Date}, 3, 'UTC')
            AND occurred_at < toDateTime64(addDays({end_date:Date}, 1), 3, 'UTC')
        GROUP BY referrer_id
    ),
    referred AS (
        SELECT customer_id, referred_by AS referrer_id
        FROM {{database}}.customers FINAL
        WHERE referred_by != '' AND acquired_at IS NOT NULL
            AND assumeNotNull(acquired_at) >= toDateTime64({start_date:Date}, 3, 'UTC')
            AND assumeNotNull(acquired_at) < toDateTime64(addDays({end_date:Date}, 1), 3, 'UTC')
    ),
    referred_revenue AS (
        SELECT customer_id, sum(amount_minor) AS customer_revenue_minor, sum(orders) AS customer_orders
        FROM {{database}}.customer_daily FINAL
        WHERE currency = {currency:String} AND day <= {end_date:Date}
            AND customer_id IN (SELECT customer_id FROM referred)
        GROUP BY customer_id
    ),
    by_referrer AS (
        SELECT
            r.referrer_id AS referrer_id,
            count() AS referred_acquired,
            countIf(v.customer_orders > 0) AS referred_buyers,
            sum(v.customer_revenue_minor) AS referred_revenue_minor
        FROM referred AS r
        LEFT JOIN referred_revenue AS v ON v.customer_id = r.customer_id
        GROUP BY referrer_id
    )
SELECT
    if(a.referrer_id != '', a.referrer_id, b.referrer_id) AS referrer_id,
    {currency:String} AS currency,
    a.referrals_made AS referrals_made,
    b.referred_acquired AS referred_acquired,
    b.referred_buyers AS referred_buyers,
    b.referred_revenue_minor AS referred_revenue_minor
FROM referrals AS a
FULL OUTER JOIN by_referrer AS b ON a.referrer_id = b.referrer_id;
