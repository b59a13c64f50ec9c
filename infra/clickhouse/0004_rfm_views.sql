-- RFM segmentation as of a cutoff day (inclusive), in one currency: customers with at least one purchase in
-- that currency by the cutoff. Reads customer_daily FINAL (one exact row per customer, currency and day).
--   recency_days    days from the last purchase day to the cutoff (0 = bought on the cutoff day)
--   frequency       orders
--   monetary_minor  revenue, minor units of the currency
-- Quintile scores 1..5 from the rank among those customers: score = 1 + floor(5 * (rank - 1) / customers),
-- where rank() gives equal values the same (lowest) rank, so ties always share a score. Recency ranks the
-- oldest last purchase first (the most recent buyers score 5); frequency and monetary rank the smallest first
-- (the largest score 5). fm_score = (f_score + m_score) / 2 rounded half up.
-- segment = SEGMENTS[r_score][fm_score], the grid documented in docs/analytics.md ("RFM").
-- acquisition_channel and country come from the customer dimension, for filtering: scores stay relative to
-- every buyer in the currency, whatever subset is then looked at.
--   SELECT * FROM crm.rfm_customers(cutoff = '2026-06-30', currency = 'EUR')
CREATE OR REPLACE VIEW {{database}}.rfm_customers AS
WITH
    buyers AS (
        SELECT
            customer_id,
            dateDiff('day', max(day), {cutoff:Date}) AS recency_days,
            toUInt64(sum(orders)) AS frequency,
            sum(amount_minor) AS monetary_minor,
            min(day) AS first_purchase_day,
            max(day) AS last_purchase_day
        FROM {{database}}.customer_daily FINAL
        WHERE currency = {currency:String} AND day <= {cutoff:Date}
        GROUP BY customer_id
    ),
    ranked AS (
        SELECT
            *,
            count() OVER () AS buyers_total,
            rank() OVER (ORDER BY recency_days DESC) AS r_rank,
            rank() OVER (ORDER BY frequency ASC) AS f_rank,
            rank() OVER (ORDER BY monetary_minor ASC) AS m_rank
        FROM buyers
    ),
    scored AS (
        SELECT
            *,
            toUInt8(1 + intDiv(5 * (r_rank - 1), buyers_total)) AS r_score,
            toUInt8(1 + intDiv(5 * (f_rank - 1), buyers_total)) AS f_score,
            toUInt8(1 + intDiv(5 * (m_rank - 1), buyers_total)) AS m_score,
            toUInt8(intDiv(f_score + m_score + 1, 2)) AS fm_score
        FROM ranked
    ),
    profile AS (
        SELECT customer_id, acquisition_channel, country
        FROM {{database}}.customers FINAL
        WHERE customer_id IN (SELECT customer_id FROM buyers)
    )
SELECT
    s.customer_id AS customer_id,
    {currency:String} AS currency,
    s.recency_days AS recency_days,
    s.frequency AS frequency,
    s.monetary_minor AS monetary_minor,
    s.first_purchase_day AS first_purchase_day,
    s.last_purchase_day AS last_purchase_day,
    s.r_score AS r_score,
    s.f_score AS f_score,
    s.m_score AS m_score,
    s.fm_score AS fm_score,
    concat(toString(s.r_score), toString(s.f_score), toString(s.m_score)) AS rfm_cell,
    -- Rows: r_score 1..5; columns: fm_score 1..5.
    [
        ['Lost',           'Hibernating',         'At Risk',             'Can\'t Lose Them', 'Can\'t Lose Them'],
        ['Hibernating',    'About to Sleep',      'At Risk',             'At Risk',          'Can\'t Lose Them'],
        ['About to Sleep', 'Need Attention',      'Need Attention',      'Loyal',            'Loyal'],
        ['Promising',      'Potential Loyalists', 'Loyal',               'Champions',        'Champions'],
        ['New',            'Potential Loyalists', 'Potential Loyalists', 'Champions',        'Champions']
    ][s.r_score][s.fm_score] AS segment,
    p.acquisition_channel AS acquisition_channel,
    p.country AS country
FROM scored AS s
LEFT JOIN profile AS p ON p.customer_id = s.customer_id;

-- Customers and revenue per RFM segment (segments without customers are absent here; the API lists all 11).
--   customer_share / revenue_share  of all buyers in the currency
--   SELECT * FROM crm.rfm_segments(cutoff = '2026-06-30', currency = 'EUR') ORDER BY revenue_minor DESC
CREATE OR REPLACE VIEW {{database}}.rfm_segments AS
SELECT
    segment,
    {currency:String} AS currency,
    count() AS customers,
    sum(monetary_minor) AS revenue_minor,
    round(count() / sum(count()) OVER (), 6) AS customer_share,
    round(sum(monetary_minor) / nullIf(sum(sum(monetary_minor)) OVER (), 0), 6) AS revenue_share,
    round(avg(recency_days), 2) AS avg_recency_days,
    round(avg(frequency), 2) AS avg_frequency,
    round(avg(monetary_minor), 2) AS avg_monetary_minor
FROM {{database}}.rfm_customers(cutoff = {cutoff:Date}, currency = {currency:String})
GROUP BY segment;
