import { AppConfig } from '@crm/config';
import { BUS, type Bus, deadLetterTopic, InProcessBus } from '@crm/messaging';
import { API_CLUSTER, type ApiClusterMember, WORKER_PART, type WorkerPartStatus } from '@crm/projections';
import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { PipelineLagQuery, STAGE_STATES } from '../pipeline-lag.query';
import { ProjectionsQuery, type ProjectionState } from '../projections.query';
import { CrmMetrics } from './crm.metrics';

const STATES: readonly ProjectionState[] = ['live', 'lagging', 'stalled', 'rebuilding', 'failed'];

/**
 * Sets the scrape-time gauges: each stage's position and lag (as /v1/admin/pipeline), each projection's
 * state and rebuild progress (as /v1/admin/projections), and the dead-letter count: the size of the Kafka
 * dead-letter topic (any process can measure it), or the in-process bus's list when that bus runs here.
 */
@Injectable()
export class PipelineMetrics implements OnApplicationShutdown {
  private kafkaAdmin?: Promise<Admin>;

  constructor(
    private readonly metrics: CrmMetrics,
    private readonly lag: PipelineLagQuery,
    private readonly projections: ProjectionsQuery,
    private readonly config: AppConfig,
    @Optional() @Inject(BUS) private readonly bus?: Bus,
    /** `crm serve`'s worker process, which holds the in-process bus and reports what it measures. */
    @Optional() @Inject(WORKER_PART) private readonly workerPart?: WorkerPartStatus,
    /** One of several API processes (API_PROCESSES > 1), which the primary reports. */
    @Optional() @Inject(API_CLUSTER) private readonly cluster?: ApiClusterMember,
  ) {}

  async refresh(): Promise<void> {
    const [stages, projections] = await Promise.all([this.lag.stages(), this.projections.list()]);
    const m = this.metrics;
    if (stages[0]) m.headPosition.set(Number(stages[0].headPosition));
    for (const s of stages) {
      const labels = { stage: s.name, kind: s.kind };
      m.stagePosition.set(labels, s.position === null ? 0 : Number(s.position));
      m.stageLagEvents.set(labels, s.lagEvents);
      m.stageLagSeconds.set(labels, s.lagMs / 1000);
      for (const state of STAGE_STATES) m.stageState.set({ ...labels, state }, s.state === state ? 1 : 0);
    }
    for (const p of projections) {
      for (const state of STATES)
        m.projectionState.set({ projection: p.name, state }, p.state === state ? 1 : 0);
      m.rebuildProgress.set({ projection: p.name }, p.rebuild?.progress ?? 0);
      m.rebuildEvents.set({ projection: p.name }, p.rebuild?.eventsApplied ?? 0);
      m.rebuildRate.set({ projection: p.name }, p.rebuild?.eventsPerSecond ?? 0);
    }
    const part = this.workerPart?.snapshot();
    if (part) {
      m.workerPartUp.set(part.state === 'running' ? 1 : 0);
      m.workerPartRestarts.set(part.restarts);
      if (part.stats) {
        m.workerPartHeap.set(part.stats.heapUsedBytes);
        m.workerPartRss.set(part.stats.rssBytes);
        m.workerPartLoop.set(part.stats.eventLoopUtilization);
      }
    }
    // A single API process is itself up; several report what their primary sees.
    const api = this.cluster?.apiProcesses ?? part?.api ?? { processes: 1, up: 1, restarts: 0 };
    m.apiProcesses.set(api.processes);
    m.apiProcessesUp.set(api.up);
    m.apiProcessRestarts.set(api.restarts);
    const topic = deadLetterTopic(this.config.KAFKA_TOPIC);
    const dead = await this.deadLetters(topic, part?.stats?.deadLetters);
    if (dead !== undefined) m.deadLettered.set({ topic }, dead);
  }

  private async deadLetters(topic: string, reportedInProcess?: number): Promise<number | undefined> {
    if (this.bus instanceof InProcessBus) return this.bus.deadLetters.length;
    if (reportedInProcess !== undefined) return reportedInProcess;
    const brokers = this.config.kafkaBrokers;
    if (!brokers) return undefined;
    try {
      const admin = await (this.kafkaAdmin ??= this.connect(brokers));
      if (!(await admin.listTopics()).includes(topic)) return 0;
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, o) => sum + Number(BigInt(o.high) - BigInt(o.low)), 0);
    } catch {
      this.kafkaAdmin = undefined; // the broker is down: no value this scrape, reconnect on the next
      return undefined;
    }
  }

  private async connect(brokers: string[]): Promise<Admin> {
    const admin = new Kafka({
      clientId: `${this.config.workerId}-metrics`,
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3_000,
      retry: { retries: 1 },
    }).admin();
    await admin.connect();
    return admin;
  }

  async onApplicationShutdown(): Promise<void> {
    const admin = await this.kafkaAdmin?.catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
  }
}
