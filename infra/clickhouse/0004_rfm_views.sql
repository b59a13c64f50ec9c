-- RFM as of a cutoff day (inclusive), in one currency. Customers with at least one purchase in that currency.
--   recency_days   days from the last purchase day to the cutoff
--   frequency      orders
--   monetary_minor revenue in minor units
-- Scores 1..5 by quintile of rank: score = 1 + floor(5 * (rank - 1) / customers), rank() counting ties once,
-- so equal values always get the same score. Recency ranks oldest first (most recent = 5); frequency and
-- monetary rank lowest first (highest = 5). fm_score = round-half-up of (f + m) / 2.
-- Segment = grid[r_score][fm_score] (docs/analytics.md shows the grid).
--   SELECT * FROM crm.rfm_customers(cutoff = '2026-06-30', currency = 'EUR')
CREATE OR REPLACE VIEW {{database}}.rfm_customers AS
WITH
    purchases AS (
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
            count() OVER () AS customers,
            rank() OVER (ORDER BY recency_days DESC) AS r_rank,
            rank() OVER (ORDER BY frequency ASC) AS f_rank,
            rank() OVER (ORDER BY monetary_minor ASC) AS m_rank
        FROM purchases
    ),
    scored AS (
        SELECT
            *,
            toUInt8(1 + intDiv(5 * (r_rank - 1), customers)) AS r_score,
            toUInt8(1 + intDiv(5 * (f_rank - 1), customers)) AS f_score,
            toUInt8(1 + intDiv(5 * (m_rank - 1), customers)) AS m_score,
            toUInt8(intDiv(f_score + m_score + 1, 2)) AS fm_score
        FROM ranked
    )
SELECT
    customer_id,
    {currency:String} AS currency,
    recency_days,
    frequency,
    monetary_minor,
    first_purchase_day,
    last_purchase_day,
    r_score,
    f_score,
    m_score,
    fm_score,
    concat(toString(r_score), toString(f_score), toString(m_score)) AS rfm_cell,
    arrayElement(arrayElement([
        ['Lost', 'Hibernating', 'At Risk', 'Can\'t Lose Them', 'Can\'t Lose Them'],
        ['Hibernating', 'About to Sleep', 'At Risk', 'At Risk', 'Can\'t Lose Them'],
        ['About to Sleep', 'Need Attention', 'Need Attention', 'Loyal', 'Loyal'],
        ['Promising', 'Potential Loyalists', 'Loyal', 'Champions', 'Champions'],
        ['New', 'Potential Loyalists', 'Potential Loyalists', 'Champions', 'Champions']
    ], r_score), fm_score) AS segment
FROM scored;

-- Customers and revenue per RFM segment.
--   SELECT * FROM crm.rfm_segments(cutoff = '2026-06-30', currency = 'EUR')
CREATE OR REPLACE VIEW {{database}}.rfm_segments AS
SELECT
    segment,
    count() AS customers,
    sum(monetary_minor) AS revenue_minor,
    round(count() / sum(count()) OVER (), 6) AS customer_share,
    round(sum(monetary_minor) / nullIf(sum(sum(monetary_minor)) OVER (), 0), 6) AS revenue_share,
    round(avg(recency_days), 2) AS avg_recency_days,
    round(avg(frequency), 2) AS avg_frequency,
    round(avg(monetary_minor), 2) AS avg_monetary_minor
FROM {{database}}.rfm_customers(cutoff = {cutoff:Date}, currency = {currency:String})
GROUP BY segment;
