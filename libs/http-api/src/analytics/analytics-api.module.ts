import { ANALYTICS_CLIENT, type AnalyticsClient } from '@crm/analytics';
import {
  BestCustomerProfileQuery,
  CampaignRoiQuery,
  ComplaintsQuery,
  CustomerProfitabilityQuery,
  SatisfactionQuery,
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
import { AppConfig } from '@crm/config';
import { Module, type Provider } from '@nestjs/common';
import { AnalyticsReadiness } from './analytics-readiness';
import { BehaviourController } from './behaviour.controller';
import { ClvController } from './clv.controller';
import { EconomicsController } from './economics.controller';
import { LifecycleController } from './lifecycle.controller';
import { LtvController } from './ltv.controller';
import { RfmController } from './rfm.controller';
import { SatisfactionController } from './satisfaction.controller';

/** Each answer is a plain class over the process's AnalyticsClient (from the global AnalyticsModule). */
const answer = <T>(type: new (ch: AnalyticsClient) => T): Provider => ({
  provide: type,
  inject: [ANALYTICS_CLIENT],
  useFactory: (ch: AnalyticsClient) => new type(ch),
});

/** GET /v1/analytics/...: the analytical answers, read from ClickHouse (server or embedded engine). */
@Module({
  controllers: [
    RfmController,
    LifecycleController,
    LtvController,
    BehaviourController,
    ClvController,
    SatisfactionController,
    EconomicsController,
  ],
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
    answer(SatisfactionQuery),
    answer(ComplaintsQuery),
    // These share the PredictiveLtvQuery, so their requests and a predictive-ltv request wait on one fit; the
    // margin and the cost-to-serve table come from the validated configuration.
    {
      provide: PortfolioMatrixQuery,
      inject: [ANALYTICS_CLIENT, PredictiveLtvQuery, AppConfig],
      useFactory: (ch: AnalyticsClient, predictive: PredictiveLtvQuery, config: AppConfig) =>
        new PortfolioMatrixQuery(ch, predictive, config.customerEconomics),
    },
    {
      provide: CampaignRoiQuery,
      inject: [ANALYTICS_CLIENT, PredictiveLtvQuery, AppConfig],
      useFactory: (ch: AnalyticsClient, predictive: PredictiveLtvQuery, config: AppConfig) =>
        new CampaignRoiQuery(ch, config.customerEconomics, predictive),
    },
    {
      provide: CustomerProfitabilityQuery,
      inject: [ANALYTICS_CLIENT, AppConfig],
      useFactory: (ch: AnalyticsClient, config: AppConfig) =>
        new CustomerProfitabilityQuery(ch, config.customerEconomics),
    },
  ],
})
export class AnalyticsApiModule {}
