-- Customer profitability as of cutoff (a UTC day, inclusive) in one currency, for every customer acquired by
-- then:  profit = revenue x margin - cost to serve - compensation
--   revenue_minor        purchases in the currency up to the cutoff
--   margin               parameter in [0, 1]: the share of revenue that is gross margin (configuration)
--   cost_to_serve_minor  each contact up to the cutoff costs its own `cost` when it has one (counted only in
--                        that cost's currency), otherwise the per-channel cost of the table given as the two
--                        parallel arrays cost_channels / cost_minor (empty arrays: no table for the currency)
--   compensation_minor   compensation given when resolving the customer's complaints, in the currency
--   SELECT * FROM crm.customer_profitability(cutoff = '2026-12-31', currency = 'EUR', margin = 0.3,
--       cost_channels = ['email', 'phone'], cost_minor = [5, 400]) ORDER BY profit_minor LIMIT 10
CREATE OR REPLACE VIEW {{database}}.customer_profitability AS
WITH
    acquired AS (
        SELECT customer_id, acquisition_channel, campaign, country, stage
        FROM {{database}}.customers FINAL
        WHERE acquired_at IS NOT NULL
            AND assumeNotNull(acquired_at) < toDateTime64(addDays({cutoff:Date}, 1), 3, 'UTC')
    ),
    revenue AS (
        SELECT customer_id, sum(amount_minor) AS revenue_minor
        FROM {{database}}.customer_daily FINAL
        WHERE currency = {currency:String} AND day <= {cutoff:Date}
        GROUP BY customer_id
    ),
    serving AS (
        SELECT
            customer_id,
            count() AS contacts,
            sum(if(contact_cost_minor IS NOT NULL,
                   if(currency = {currency:String}, assumeNotNull(contact_cost_minor), 0),
                   arrayElement({cost_minor:Array(Int64)}, indexOf({cost_channels:Array(String)}, channel))
            )) AS cost_to_serve_minor
        FROM {{database}}.events FINAL
        WHERE event_type = 'CustomerContacted'
            AND occurred_at < toDateTime64(addDays({cutoff:Date}, 1), 3, 'UTC')
        GROUP BY customer_id
    ),
    compensation AS (
        SELECT customer_id, sum(compensation_minor) AS compensation_minor
        FROM {{database}}.events FINAL
        WHERE event_type = 'CustomerComplaintResolved' AND currency = {currency:String}
            AND occurred_at < toDateTime64(addDays({cutoff:Date}, 1), 3, 'UTC')
        GROUP BY customer_id
    )
SELECT
    a.customer_id AS customer_id,
    a.acquisition_channel AS acquisition_channel,
    a.campaign AS campaign,
    a.country AS country,
    a.stage AS stage,
    {currency:String} AS currency,
    r.revenue_minor AS revenue_minor,
    r.revenue_minor * {margin:Float64} AS gross_margin_minor,
    s.contacts AS contacts,
    s.cost_to_serve_minor AS cost_to_serve_minor,
    c.compensation_minor AS compensation_minor,
    gross_margin_minor - cost_to_serve_minor - compensation_minor AS profit_minor
FROM acquired AS a
LEFT JOIN revenue AS r ON r.customer_id = a.customer_id
LEFT JOIN serving AS s ON s.customer_id = a.customer_id
LEFT JOIN compensation AS c ON c.customer_id = a.customer_id;

-- The portfolio matrix of a CLV model (portfolio_customers) with profitability: a customer who costs more
-- than they bring (profit_minor < 0 as of the cutoff) is 'remove or serve at lower cost' whatever their
-- predicted CLV and loyalty, and so is one who never bought but cost something (not in the model: clv 0).
--   SELECT action, count() FROM crm.portfolio_profitability(model_id = '...', p_alive_threshold = 0.5,
--       potential_quantile = 0.5, cutoff = '2026-12-31', currency = 'EUR', margin = 0.3,
--       cost_channels = ['email'], cost_minor = [5]) GROUP BY action
CREATE OR REPLACE VIEW {{database}}.portfolio_profitability AS
WITH
    matrix AS (
        SELECT *
        FROM {{database}}.portfolio_customers(model_id = {model_id:String},
            p_alive_threshold = {p_alive_threshold:Float64}, potential_quantile = {potential_quantile:Float64})
    ),
    profit AS (
        SELECT customer_id, profit_minor, gross_margin_minor, cost_to_serve_minor, compensation_minor
        FROM {{database}}.customer_profitability(cutoff = {cutoff:Date}, currency = {currency:String},
            margin = {margin:Float64}, cost_channels = {cost_channels:Array(String)},
            cost_minor = {cost_minor:Array(Int64)})
    )
SELECT
    m.customer_id AS customer_id,
    m.x AS x,
    m.revenue_minor AS revenue_minor,
    m.p_alive AS p_alive,
    m.clv_minor AS clv_minor,
    m.clv_threshold AS clv_threshold,
    m.high_potential AS high_potential,
    m.high_loyalty AS high_loyalty,
    p.profit_minor AS profit_minor,
    p.profit_minor < 0 AS unprofitable,
    if(unprofitable, 'remove or serve at lower cost', m.action) AS action
FROM matrix AS m
LEFT JOIN profit AS p ON p.customer_id = m.customer_id
UNION ALL
SELECT
    p.customer_id AS customer_id,
    toUInt32(0) AS x,
    toInt64(0) AS revenue_minor,
    toFloat64(0) AS p_alive,
    toFloat64(0) AS clv_minor,
    (SELECT any(clv_threshold) FROM matrix) AS clv_threshold,
    false AS high_potential,
    false AS high_loyalty,
    p.profit_minor AS profit_minor,
    true AS unprofitable,
    'remove or serve at lower cost' AS action
FROM profit AS p
WHERE p.profit_minor < 0 AND p.customer_id NOT IN (SELECT customer_id FROM matrix);
