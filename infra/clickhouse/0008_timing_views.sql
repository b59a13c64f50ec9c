-- When customers buy, between start_date and end_date (UTC days, inclusive), in one currency: orders, revenue
-- and distinct buyers per bucket of three dimensions, all in UTC:
--   month    month of the year, 1-12 (all years of the period together)
--   weekday  ISO day of the week, 1 = Monday .. 7 = Sunday
--   hour     hour of the day, 0-23
-- Buckets without orders are absent.
--   SELECT * FROM crm.purchase_timing(start_date = '2026-01-01', end_date = '2026-12-31', currency = 'EUR')
--   WHERE dimension = 'weekday' ORDER BY bucket
CREATE OR REPLACE VIEW {{database}}.purchase_timing AS
WITH purchases AS (
    SELECT customer_id, occurred_at, amount_minor
    FROM {{database}}.events FINAL
    WHERE event_type = 'CustomerPurchased' AND currency = {currency:String}
        AND occurred_at >= toDateTime64({start_date:Date}, 3, 'UTC')
        AND occurred_at < toDateTime64(addDays({end_date:Date}, 1), 3, 'UTC')
)
SELECT dimension, bucket, {currency:String} AS currency, orders, revenue_minor, buyers
FROM
(
    SELECT 'month' AS dimension, toUInt8(toMonth(occurred_at)) AS bucket, count() AS orders,
           sum(amount_minor) AS revenue_minor, uniqExact(customer_id) AS buyers
    FROM purchases GROUP BY bucket
    UNION ALL
    SELECT 'weekday' AS dimension, toUInt8(toDayOfWeek(occurred_at)) AS bucket, count() AS orders,
           sum(amount_minor) AS revenue_minor, uniqExact(customer_id) AS buyers
    FROM purchases GROUP BY bucket
    UNION ALL
    SELECT 'hour' AS dimension, toUInt8(toHour(occurred_at)) AS bucket, count() AS orders,
           sum(amount_minor) AS revenue_minor, uniqExact(customer_id) AS buyers
    FROM purchases GROUP BY bucket
);

-- Seasonality by product category, between start_date and end_date, in one currency: units and line revenue
-- (quantity x unit price, minor units) per category and month of the year (1-12). Purchases without line
-- items count under '(uncategorized)' with their order amount and no units. Line revenue can differ from the
-- order amount when an order has discounts or shipping.
--   revenue_share      = the month's share of the category's revenue over the period
--   seasonality_index  = 100 * revenue_share * 12: 100 = an average month; meaningful over whole years
--   SELECT * FROM crm.category_seasonality(start_date = '2025-01-01', end_date = '2025-12-31', currency = 'EUR')
CREATE OR REPLACE VIEW {{database}}.category_seasonality AS
WITH lines AS (
    SELECT
        toUInt8(toMonth(occurred_at)) AS month,
        if(empty(item_categories), ['(uncategorized)'], arrayMap(c -> toString(c), item_categories)) AS categories,
        if(empty(item_categories), [toUInt32(0)], item_quantities) AS quantities,
        if(empty(item_categories), [amount_minor],
           arrayMap((q, p) -> toInt64(q) * p, item_quantities, item_unit_minor)) AS revenues
    FROM {{database}}.events FINAL
    WHERE event_type = 'CustomerPurchased' AND currency = {currency:String}
        AND occurred_at >= toDateTime64({start_date:Date}, 3, 'UTC')
        AND occurred_at < toDateTime64(addDays({end_date:Date}, 1), 3, 'UTC')
)
SELECT
    category,
    month,
    {currency:String} AS currency,
    sum(line_units) AS units,
    sum(line_revenue_minor) AS revenue_minor,
    round(sum(line_revenue_minor) / nullIf(sum(sum(line_revenue_minor)) OVER (PARTITION BY category), 0), 6)
        AS revenue_share,
    round(1200 * sum(line_revenue_minor) / nullIf(sum(sum(line_revenue_minor)) OVER (PARTITION BY category), 0), 2)
        AS seasonality_index
FROM lines
ARRAY JOIN categories AS category, quantities AS line_units, revenues AS line_revenue_minor
GROUP BY category, month
ORDER BY category, month;
