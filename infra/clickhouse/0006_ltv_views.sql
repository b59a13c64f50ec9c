-- Historical lifetime value per customer as of a cutoff day (inclusive), in one currency: every customer
-- acquired by the cutoff, with 0 when they bought nothing by then. Customers who bought only in other
-- currencies are left out: their value is not comparable, and adding it would mix currencies.
--   revenue_minor   sum of their orders in the currency up to the cutoff (minor units)
--   segment         their RFM segment (rfm_customers, same cutoff and currency), 'No Purchases' without orders
--   age_band        from birth_year at the cutoff's year: <25, 25-34, 35-44, 45-54, 55-64, 65+, (unknown)
--   tenure_days     days from acquisition to the cutoff
--   SELECT acquisition_channel, count() AS customers, avg(revenue_minor) AS avg_ltv_minor
--   FROM crm.customer_ltv(cutoff = '2026-06-30', currency = 'EUR') GROUP BY acquisition_channel
CREATE OR REPLACE VIEW {{database}}.customer_ltv AS
WITH
    revenue AS (
        SELECT
            customer_id,
            sumIf(orders, currency = {currency:String}) AS currency_orders,
            sumIf(amount_minor, currency = {currency:String}) AS currency_revenue_minor,
            sum(orders) AS all_orders,
            minIf(day, currency = {currency:String}) AS first_day,
            maxIf(day, currency = {currency:String}) AS last_day
        FROM {{database}}.customer_daily FINAL
        WHERE day <= {cutoff:Date}
        GROUP BY customer_id
    ),
    rfm AS (
        SELECT customer_id, segment
        FROM {{database}}.rfm_customers(cutoff = {cutoff:Date}, currency = {currency:String})
    )
SELECT
    c.customer_id AS customer_id,
    {currency:String} AS currency,
    assumeNotNull(c.acquired_at) AS acquired_at,
    toStartOfMonth(toDate(assumeNotNull(c.acquired_at))) AS cohort_month,
    c.acquisition_channel AS acquisition_channel,
    c.campaign AS campaign,
    c.referred_by AS referred_by,
    c.country AS country,
    c.income_band AS income_band,
    c.gender AS gender,
    c.birth_year AS birth_year,
    multiIf(
        c.birth_year IS NULL, '(unknown)',
        toYear({cutoff:Date}) - assumeNotNull(c.birth_year) < 25, '<25',
        toYear({cutoff:Date}) - assumeNotNull(c.birth_year) < 35, '25-34',
        toYear({cutoff:Date}) - assumeNotNull(c.birth_year) < 45, '35-44',
        toYear({cutoff:Date}) - assumeNotNull(c.birth_year) < 55, '45-54',
        toYear({cutoff:Date}) - assumeNotNull(c.birth_year) < 65, '55-64',
        '65+'
    ) AS age_band,
    toUInt64(r.currency_orders) AS orders,
    r.currency_revenue_minor AS revenue_minor,
    if(r.currency_orders > 0, r.first_day, NULL) AS first_purchase_day,
    if(r.currency_orders > 0, r.last_day, NULL) AS last_purchase_day,
    dateDiff('day', toDate(assumeNotNull(c.acquired_at)), {cutoff:Date}) AS tenure_days,
    if(s.segment = '', 'No Purchases', s.segment) AS segment
FROM {{database}}.customers AS c FINAL
LEFT JOIN revenue AS r ON r.customer_id = c.customer_id
LEFT JOIN rfm AS s ON s.customer_id = c.customer_id
WHERE c.acquired_at IS NOT NULL
    AND toDate(assumeNotNull(c.acquired_at)) <= {cutoff:Date}
    AND (r.currency_orders > 0 OR r.all_orders = 0);

-- Historical LTV aggregated by acquisition channel, acquisition cohort (month), country and RFM segment:
-- one row per dimension and value. avg_ltv_minor = revenue / customers (buyers and non-buyers alike).
--   SELECT * FROM crm.ltv_summary(cutoff = '2026-06-30', currency = 'EUR') WHERE dimension = 'country'
CREATE OR REPLACE VIEW {{database}}.ltv_summary AS
SELECT
    dimension,
    value,
    {currency:String} AS currency,
    count() AS customers,
    countIf(orders > 0) AS buyers,
    sum(orders) AS orders_total,
    sum(revenue_minor) AS revenue_total_minor,
    round(sum(revenue_minor) / count(), 2) AS avg_ltv_minor
FROM {{database}}.customer_ltv(cutoff = {cutoff:Date}, currency = {currency:String})
ARRAY JOIN
    ['acquisition_channel', 'cohort_month', 'country', 'segment'] AS dimension,
    [if(acquisition_channel = '', '(unknown)', toString(acquisition_channel)), toString(cohort_month),
     if(country = '', '(unknown)', toString(country)), segment] AS value
GROUP BY dimension, value;

-- Which attributes over-index among the best customers: the top decile by historical LTV (ceil(customers / 10)
-- customers, ties broken by customer id) against the whole base of customer_ltv, for age band, country,
-- acquisition channel, campaign and income band.
--   base_share = base_customers / base size;  top_share = top_customers / top decile size
--   index      = 100 * top_share / base_share (100 = as common among the best as in the base)
--   SELECT * FROM crm.best_customer_profile(cutoff = '2026-06-30', currency = 'EUR') ORDER BY index DESC
CREATE OR REPLACE VIEW {{database}}.best_customer_profile AS
WITH
    ranked AS (
        SELECT
            *,
            row_number() OVER (ORDER BY revenue_minor DESC, customer_id ASC) AS ltv_rank,
            count() OVER () AS base_size
        FROM {{database}}.customer_ltv(cutoff = {cutoff:Date}, currency = {currency:String})
    ),
    flagged AS (
        SELECT *, toUInt64(ceil(base_size / 10)) AS top_size, ltv_rank <= top_size AS in_top_decile FROM ranked
    )
SELECT
    attribute,
    value,
    {currency:String} AS currency,
    count() AS base_customers,
    countIf(in_top_decile) AS top_customers,
    base_size,
    top_size,
    round(base_customers / base_size, 6) AS base_share,
    round(top_customers / top_size, 6) AS top_share,
    round(100 * (top_customers / top_size) / (base_customers / base_size), 2) AS index
FROM flagged
ARRAY JOIN
    ['age_band', 'country', 'acquisition_channel', 'campaign', 'income_band'] AS attribute,
    [age_band,
     if(country = '', '(unknown)', toString(country)),
     if(acquisition_channel = '', '(unknown)', toString(acquisition_channel)),
     if(campaign = '', '(none)', campaign),
     if(income_band = '', '(unknown)', toString(income_band))] AS value
GROUP BY attribute, value, base_size, top_size;
