import { ANALYTICS_CLIENT, type AnalyticsClient } from '@crm/analytics';
import {
  BestCustomerProfileQuery,
  ChurnRateQuery,
  CohortsQuery,
  LifecycleFunnelQuery,
  LtvQuery,
  PortfolioMatrixQuery,
  PredictiveLtvQuery,
  PromotersQuery,
  PurchaseTimingQuery,
  RfmQuery,
} from '@crm/analytics';
import { Module, type Provider } from '@nestjs/common';
import { AnalyticsReadiness } from './analytics-readiness';
import { BehaviourController } from './behaviour.controller';
import { ClvController } from './clv.controller';
import { LifecycleController } from './lifecycle.controller';
import { LtvController } from './ltv.controller';
import { RfmController } from './rfm.controller';

/** Each answer is a plain class over the process's AnalyticsClient (from the global AnalyticsModule). */
const answer = <T>(type: new (ch: AnalyticsClient) => T): Provider => ({
  provide: type,
  inject: [ANALYTICS_CLIENT],
  useFactory: (ch: AnalyticsClient) => new type(ch),
});

/** GET /v1/analytics/...: the analytical answers, read from ClickHouse (server or embedded engine). */
@Module({
  controllers: [RfmController, LifecycleController, LtvController, BehaviourController, ClvController],
  providers: [
    AnalyticsReadiness,
    answer(RfmQuery),
    answer(LifecycleFunnelQuery),
    answer(ChurnRateQuery),
    answer(CohortsQuery),
    answer(LtvQuery),
    answer(BestCustomerProfileQuery),
    answer(PromotersQuery),
    answer(PurchaseTimingQuery),
    answer(PredictiveLtvQuery),
    // Shares the PredictiveLtvQuery, so a portfolio and a predictive-ltv request wait on one fit.
    {
      provide: PortfolioMatrixQuery,
      inject: [ANALYTICS_CLIENT, PredictiveLtvQuery],
      useFactory: (ch: AnalyticsClient, predictive: PredictiveLtvQuery) =>
        new PortfolioMatrixQuery(ch, predictive),
    },
  ],
})
export class AnalyticsApiModule {}
