import { DynamicModule, Global, Module } from '@nestjs/common';
import { API_CLUSTER, type ApiClusterMember } from './api-cluster.member';

/**
 * Puts this API process's place among several (API_CLUSTER) into an API application: the split deployment's
 * API with API_PROCESSES above 1, and each API process of `crm serve --api-processes n` (beside WorkerHostModule).
 */
@Global()
@Module({})
export class ApiClusterModule {
  static forRoot(member: ApiClusterMember): DynamicModule {
    return {
      module: ApiClusterModule,
      providers: [{ provide: API_CLUSTER, useValue: member }],
      exports: [API_CLUSTER],
    };
  }
}
