-- Marketing spend: one row per MarketingSpendRecorded (streams campaign-<campaign>, events FINAL), money in
-- minor units of currency.
--   SELECT campaign, channel, currency, sum(spend_minor) FROM crm.marketing_spend GROUP BY ALL
CREATE OR REPLACE VIEW {{database}}.marketing_spend AS
SELECT
    event_id,
    campaign,
    channel,
    assumeNotNull(period_start) AS period_start,
    assumeNotNull(period_end) AS period_end,
    currency,
    spend_minor,
    occurred_at,
    recorded_at
FROM {{database}}.events FINAL
WHERE event_type = 'MarketingSpendRecorded' AND period_start IS NOT NULL AND period_end IS NOT NULL;

-- Per campaign and acquisition channel, as of cutoff (a UTC day, inclusive) in one currency:
--   spend_minor          spend recorded in the currency for periods starting by the cutoff
--   customers_acquired   customers whose CustomerAcquired names the campaign and channel, acquired by the cutoff
--   buyers, revenue_minor   of those, who bought in the currency, and their revenue to date
--   first_spend_day      the first day of the earliest spend period
--   payback_day          the first day by which their gross margin (revenue x margin, margin a parameter in
--                        [0, 1]) summed since acquisition reached the spend; NULL if not yet (or no spend)
-- Campaigns with customers but no spend, and spend without customers, are both listed.
--   SELECT * FROM crm.campaign_performance(cutoff = '2026-12-31', currency = 'EUR', margin = 0.3)
CREATE OR REPLACE VIEW {{database}}.campaign_performance AS
WITH
    spend AS (
        SELECT campaign, channel, sum(spend_minor) AS spend_minor, min(period_start) AS first_spend_day
        FROM {{database}}.marketing_spend
        WHERE currency = {currency:String} AND period_start <= {cutoff:Date}
        GROUP BY campaign, channel
    ),
    acquired AS (
        SELECT customer_id, campaign, acquisition_channel AS channel
        FROM {{database}}.customers FINAL
        WHERE campaign != '' AND acquired_at IS NOT NULL
            AND assumeNotNull(acquired_at) < toDateTime64(addDays({cutoff:Date}, 1), 3, 'UTC')
    ),
    daily AS (
        SELECT a.campaign AS campaign, a.channel AS channel, d.day AS day, sum(d.amount_minor) AS revenue_minor,
               uniqExact(d.customer_id) AS buyers_that_day
        FROM (
            SELECT customer_id, day, amount_minor
            FROM {{database}}.customer_daily FINAL
            WHERE currency = {currency:String} AND day <= {cutoff:Date}
                AND customer_id IN (SELECT customer_id FROM acquired)
        ) AS d
        INNER JOIN acquired AS a ON a.customer_id = d.customer_id
        GROUP BY campaign, channel, day
    ),
    cumulative AS (
        SELECT campaign, channel, day,
               sum(revenue_minor) OVER (PARTITION BY campaign, channel ORDER BY day) AS cumulative_minor
        FROM daily
    ),
    paid_back AS (
        SELECT c.campaign AS campaign, c.channel AS channel, min(c.day) AS payback_day
        FROM cumulative AS c
        INNER JOIN spend AS s ON s.campaign = c.campaign AND s.channel = c.channel
        WHERE s.spend_minor > 0 AND c.cumulative_minor * {margin:Float64} >= s.spend_minor
        GROUP BY campaign, channel
    ),
    customers AS (
        SELECT
            a.campaign AS campaign,
            a.channel AS channel,
            count() AS customers_acquired,
            countIf(r.revenue_minor > 0) AS buyers,
            sum(r.revenue_minor) AS revenue_minor
        FROM acquired AS a
        LEFT JOIN (
            SELECT customer_id, sum(amount_minor) AS revenue_minor
            FROM {{database}}.customer_daily FINAL
            WHERE currency = {currency:String} AND day <= {cutoff:Date}
                AND customer_id IN (SELECT customer_id FROM acquired)
            GROUP BY customer_id
        ) AS r ON r.customer_id = a.customer_id
        GROUP BY campaign, channel
    ),
    keys AS (
        SELECT campaign, channel FROM spend
        UNION DISTINCT
        SELECT campaign, channel FROM customers
    )
SELECT
    k.campaign AS campaign,
    k.channel AS channel,
    {currency:String} AS currency,
    s.spend_minor AS spend_minor,
    c.customers_acquired AS customers_acquired,
    c.buyers AS buyers,
    c.revenue_minor AS revenue_minor,
    if(s.spend_minor > 0, toNullable(s.first_spend_day), NULL) AS first_spend_day,
    if(p.campaign != '', toNullable(p.payback_day), NULL) AS payback_day
FROM keys AS k
LEFT JOIN spend AS s ON s.campaign = k.campaign AND s.channel = k.channel
LEFT JOIN customers AS c ON c.campaign = k.campaign AND c.channel = k.channel
LEFT JOIN paid_back AS p ON p.campaign = k.campaign AND p.channel = k.channel;
