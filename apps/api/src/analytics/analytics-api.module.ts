import { ANALYTICS_CLIENT, type AnalyticsClient } from '@crm/analytics';
import {
  BestCustomerProfileQuery,
  ChurnRateQuery,
  CohortsQuery,
  LifecycleFunnelQuery,
  LtvQuery,
  PromotersQuery,
  PurchaseTimingQuery,
  RfmQuery,
} from '@crm/analytics/queries';
import { Module, type Provider } from '@nestjs/common';
import { AnalyticsReadiness } from './analytics-readiness';
import { BehaviourController } from './behaviour.controller';
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
  controllers: [RfmController, LifecycleController, LtvController, BehaviourController],
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
  ],
})
export class AnalyticsApiModule {}
