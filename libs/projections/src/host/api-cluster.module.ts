import { DynamicModule, Global, Module } from '@nestjs/common';
import { API_CLUSTER, type ApiClusterMember } from './api-cluster.member';

/**
 * Puts this API process's place among several (API_CLUSTER) into an API application that hosts no worker part:
 * the split deployment's API with API_PROCESSES above 1 (`crm serve` uses WorkerHostModule, which provides it).
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
