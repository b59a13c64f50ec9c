-- Per-customer summary the CLV models are fitted on, as of a cutoff day (inclusive), in one currency.
-- Literature conventions (Fader, Hardie & Lee 2005): one transaction per customer-day (same-day orders merged,
-- values summed); time in weeks from the customer's first purchase.
--   x                  repeat transactions (purchase days after the first)
--   t_x                weeks from first to last purchase day
--   T                  weeks from first purchase day to the cutoff
--   mean_repeat_minor  mean value of the repeat transactions (minor units), 0 when x = 0
--   SELECT * FROM crm.clv_summary(cutoff = '1997-09-30', currency = 'USD')
CREATE OR REPLACE VIEW {{database}}.clv_summary AS
SELECT
    customer_id,
    toUInt32(count() - 1) AS x,
    dateDiff('day', min(day), max(day)) / 7 AS t_x,
    dateDiff('day', min(day), {cutoff:Date}) / 7 AS T,
    min(day) AS first_purchase_day,
    max(day) AS last_purchase_day,
    sum(amount_minor) AS revenue_minor,
    if(x > 0, (sum(amount_minor) - argMin(amount_minor, day)) / x, 0) AS mean_repeat_minor
FROM {{database}}.customer_daily FINAL
WHERE currency = {currency:String} AND day <= {cutoff:Date}
GROUP BY customer_id;

-- The summary plus what happened after the cutoff, up to holdout_end: transactions (purchase days) and revenue
-- in the holdout period. Compare with the model's conditional expectations to see whether to trust it.
--   SELECT * FROM crm.clv_holdout(cutoff = '1997-09-30', holdout_end = '1998-06-30', currency = 'USD')
CREATE OR REPLACE VIEW {{database}}.clv_holdout AS
WITH holdout AS (
    SELECT customer_id, count() AS x_holdout, sum(amount_minor) AS revenue_holdout_minor
    FROM {{database}}.customer_daily FINAL
    WHERE currency = {currency:String} AND day > {cutoff:Date} AND day <= {holdout_end:Date}
    GROUP BY customer_id
)
SELECT
    s.*,
    dateDiff('day', {cutoff:Date}, {holdout_end:Date}) / 7 AS holdout_weeks,
    toUInt32(h.x_holdout) AS x_holdout,
    h.revenue_holdout_minor AS revenue_holdout_minor
FROM {{database}}.clv_summary(cutoff = {cutoff:Date}, currency = {currency:String}) AS s
LEFT JOIN holdout AS h ON h.customer_id = s.customer_id;

-- Fitted CLV models: BG/NBD (purchase frequency, P(alive)) and Gamma-Gamma (spend per transaction), fitted by
-- maximum likelihood in TypeScript (libs/analytics/src/clv) on clv_summary at `cutoff`, with the settings their
-- predictions were made with. model_id is derived from every input (model version, cutoff, currency, settings,
-- data_position), so fitting the same data again writes the same row, which ReplacingMergeTree collapses.
-- gg_gamma is in major currency units (euros, dollars): the scale of the spend distribution; the other
-- parameters have no unit. data_position = the analytics projection's checkpoint when the model was fitted: a
-- model whose data_position is behind the checkpoint was fitted on older data.
CREATE TABLE IF NOT EXISTS {{database}}.clv_models
(
    model_id              String,
    model_version         LowCardinality(String) COMMENT 'Code version of the models and summary conventions',
    fitted_at             DateTime64(3, 'UTC'),
    cutoff                Date COMMENT 'End of the calibration period (inclusive)',
    currency              LowCardinality(String),
    time_unit_days        UInt16 COMMENT 'Model time unit in days (7 = weeks)',
    customers             UInt32 COMMENT 'Customers in the calibration sample (bought in the currency by the cutoff)',
    repeat_customers      UInt32 COMMENT 'Customers with x > 0: the Gamma-Gamma sample',
    data_position         UInt64,
    bgnbd_r               Float64,
    bgnbd_alpha           Float64,
    bgnbd_a               Float64,
    bgnbd_b               Float64,
    bgnbd_log_likelihood  Float64,
    bgnbd_iterations      UInt32,
    bgnbd_converged       Bool,
    gg_p                  Float64,
    gg_q                  Float64,
    gg_gamma              Float64,
    gg_log_likelihood     Float64,
    gg_iterations         UInt32,
    gg_converged          Bool,
    horizon_weeks         UInt16 COMMENT 'Prediction horizon of clv_predictions, in time units',
    annual_discount_rate  Float64 COMMENT 'Discount rate per year applied to future value (0.1 = 10%)',
    margin                Float64 COMMENT 'Share of revenue counted as value (1 = revenue CLV)'
)
ENGINE = ReplacingMergeTree
ORDER BY (currency, cutoff, model_id);

-- Per-customer predictions of a model over its horizon; money in minor units of the model's currency.
CREATE TABLE IF NOT EXISTS {{database}}.clv_predictions
(
    model_id              String,
    customer_id           String,
    x                     UInt32 COMMENT 'Repeat transactions in the calibration period',
    t_x                   Float64,
    T                     Float64,
    revenue_minor         Int64 COMMENT 'Historical revenue up to the cutoff',
    p_alive               Float64 COMMENT 'Probability that the customer is still active at the cutoff (BG/NBD)',
    expected_purchases    Float64 COMMENT 'Expected transactions in the horizon (BG/NBD, conditional on the customer)',
    expected_spend_minor  Float64 COMMENT 'Expected value per transaction (Gamma-Gamma, conditional on the customer)',
    clv_minor             Float64 COMMENT 'Discounted expected value over the horizon, times margin'
)
ENGINE = ReplacingMergeTree
ORDER BY (model_id, customer_id);

-- The customer portfolio matrix of a model: business potential (predicted CLV) x loyalty.
--   high_potential   clv_minor above the potential_quantile quantile of the model's customers (0.5: above the
--                    median; quantile with linear interpolation between the two middle values)
--   high_loyalty     p_alive >= p_alive_threshold and retained (made at least one repeat purchase, x > 0)
--   action           high potential, high loyalty    -> 'acquire more like them'
--                    low potential,  high loyalty    -> 'develop'
--                    high potential, low loyalty     -> 'retain'
--                    low potential,  low loyalty     -> 'remove or serve at lower cost'
--   SELECT action, count(), sum(clv_minor) FROM crm.portfolio_customers(model_id = '...',
--          p_alive_threshold = 0.5, potential_quantile = 0.5) GROUP BY action
CREATE OR REPLACE VIEW {{database}}.portfolio_customers AS
WITH
    predictions AS (
        SELECT * FROM {{database}}.clv_predictions FINAL WHERE model_id = {model_id:String}
    ),
    threshold AS (
        SELECT quantileExactInclusive({potential_quantile:Float64})(clv_minor) AS clv_threshold FROM predictions
    )
SELECT
    p.model_id AS model_id,
    p.customer_id AS customer_id,
    p.x AS x,
    p.revenue_minor AS revenue_minor,
    p.p_alive AS p_alive,
    p.expected_purchases AS expected_purchases,
    p.clv_minor AS clv_minor,
    t.clv_threshold AS clv_threshold,
    p.clv_minor > t.clv_threshold AS high_potential,
    p.p_alive >= {p_alive_threshold:Float64} AND p.x > 0 AS high_loyalty,
    multiIf(
        high_potential AND high_loyalty, 'acquire more like them',
        NOT high_potential AND high_loyalty, 'develop',
        high_potential AND NOT high_loyalty, 'retain',
        'remove or serve at lower cost'
    ) AS action
FROM predictions AS p
CROSS JOIN threshold AS t;
