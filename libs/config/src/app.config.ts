import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  Validate,
  validateSync,
} from 'class-validator';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_CONSENT_POLICY, parseConsentPolicy, type ConsentPolicy } from '@crm/domain';
import { ApiKeyEntry, ApiKeysConstraint, parseApiKeys } from './api-keys.setting';
import { ConsentPolicyConstraint } from './consent-policy.setting';
import {
  CostToServeConstraint,
  parseCostToServe,
  type CustomerEconomicsSetting,
} from './customer-economics.setting';

/** Environment text as a number (IsInt, IsNumber and the bounds check what kind); empty: unset. */
const toNumber = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value === '' ? undefined : value;
const emptyAsUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const API_PROCESSES_RANGE = { message: 'API_PROCESSES must be a whole number of processes, 1 to 64' };

/**
 * The one configuration of every app, read from environment variables and validated at boot.
 * A missing or malformed variable stops the process with a message that names it. Each unset
 * production URL keeps its port on the embedded adapter.
 */
export class AppConfig {
  /** Where the embedded adapters keep their files (event store, read model, analytics). */
  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** EventStoreDB connection string (esdb://...). Absent: the embedded SQLite store. */
  @Transform(emptyAsUndefined)
  @IsOptional()
  @Matches(/^(esdb|esdb\+discover):\/\/.+/, {
    message: 'EVENTSTORE_URL must be an esdb:// connection string',
  })
  EVENTSTORE_URL?: string;

  /**
   * The embedded event store's commit: `full` (default) fsyncs before an append is acknowledged, so an
   * answered append survives an OS crash or power loss; `normal` skips that fsync (faster for one caller at
   * a time; a process crash still loses nothing, an OS crash may lose the last acknowledged appends).
   * Concurrent appends share one commit either way (group commit). Ignored with EVENTSTORE_URL.
   */
  @IsIn(['full', 'normal'], { message: 'EVENT_STORE_DURABILITY must be full or normal' })
  EVENT_STORE_DURABILITY: 'full' | 'normal' = 'full';

  /** Comma-separated Kafka bootstrap brokers (host:port). Absent: the in-process bus. */
  @Transform(emptyAsUndefined)
  @IsOptional()
  @Matches(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port...]' })
  KAFKA_BROKERS?: string;

  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(1024)
  KAFKA_PARTITIONS = 6;

  /** The lifecycle topic; its dead-letter topic is `<topic>.dlq`. */
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, { message: 'KAFKA_TOPIC must be a valid Kafka topic name' })
  KAFKA_TOPIC = 'crm.customer-lifecycle.v1';

  /**
   * The Kafka ingest channel (libs/ingest/src/kafka-channel): with KAFKA_BROKERS set, the worker appends the
   * events published to KAFKA_INGEST_TOPIC (one event of POST /v1/events per message, keyed by customer id,
   * eventId required) and puts refused messages on KAFKA_INGEST_REJECTIONS_TOPIC. `false` turns it off.
   */
  @Transform(toBoolean)
  @IsBoolean({ message: 'KAFKA_INGEST_ENABLED must be true or false' })
  KAFKA_INGEST_ENABLED = true;

  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, { message: 'KAFKA_INGEST_TOPIC must be a valid Kafka topic name' })
  KAFKA_INGEST_TOPIC = 'crm.customer-events.in.v1';

  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, {
    message: 'KAFKA_INGEST_REJECTIONS_TOPIC must be a valid Kafka topic name',
  })
  KAFKA_INGEST_REJECTIONS_TOPIC = 'crm.customer-events.rejected.v1';

  /** Consumer group of the ingest channel: every worker shares it, each partition goes to one of them. */
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, { message: 'KAFKA_INGEST_GROUP must be letters, digits, . _ -' })
  KAFKA_INGEST_GROUP = 'crm-ingest';

  /**
   * Most events the ingest channel publishes in one call, from one partition's fetched messages: larger calls
   * share stream loads and one transaction among more events.
   */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(100_000)
  KAFKA_INGEST_BATCH_EVENTS = 5_000;

  /** PostgreSQL URL for the read model. Absent: SQLite under DATA_DIR. */
  @Transform(emptyAsUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  /** ClickHouse HTTP URL for analytics. Absent: the embedded ClickHouse engine (chDB). */
  @Transform(emptyAsUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'CLICKHOUSE_URL must be an http(s):// URL' })
  CLICKHOUSE_URL?: string;

  /** Most events per analytics write: ClickHouse wants few, large inserts. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(100_000)
  ANALYTICS_BATCH_SIZE = 5_000;

  /** How long the analytics projector gathers deliveries before writing what it has. */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(60_000)
  ANALYTICS_LINGER_MS = 200;

  // Customer scores: the worker copies the latest CLV model's values into the read model (Customer 360).
  /**
   * How often the worker scores every customer: fits (or reuses) the CLV model as of today in
   * SCORING_CURRENCY and copies predicted CLV, P(alive), RFM segment and portfolio action into the read model.
   * 0: never on a timer (POST /v1/admin/scores/refresh only).
   */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3_600_000)
  SCORING_INTERVAL_MS = 3_600_000;

  /** The currency the scoring job's model is fitted in (spend in other currencies is not converted). */
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'SCORING_CURRENCY must be an ISO 4217 code such as EUR' })
  SCORING_CURRENCY = 'EUR';

  /** Customers per ClickHouse read and read-model write of a scoring run: what a run holds in memory. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(100_000)
  SCORING_BATCH_SIZE = 5_000;

  /**
   * Customer profitability (GET /v1/analytics/profitability, the portfolio matrix, campaign ROI): the share of
   * revenue that is gross margin, 0-1. Set it to the business's own; the default is only a placeholder.
   */
  @Transform(toNumber)
  @IsNumber({}, { message: 'PROFIT_MARGIN must be a number from 0 to 1' })
  @Min(0, { message: 'PROFIT_MARGIN must be a number from 0 to 1' })
  @Max(1, { message: 'PROFIT_MARGIN must be a number from 0 to 1' })
  PROFIT_MARGIN = 0.3;

  /**
   * Cost to serve per contact channel in minor units of COST_TO_SERVE_CURRENCY (`email=5,phone=400`):
   * charged for each contact that carries no cost of its own. Channels left out cost nothing; empty: no table.
   */
  @Validate(CostToServeConstraint)
  COST_TO_SERVE = 'email=5,sms=8,push=1,social=20,mail=120,chat=150,phone=400,meeting=2500';

  @Matches(/^[A-Z]{3}$/, { message: 'COST_TO_SERVE_CURRENCY must be an ISO 4217 code such as EUR' })
  COST_TO_SERVE_CURRENCY = 'EUR';

  // SQL entrance: analysts' own ClickHouse clients on the embedded engine (docs/analytics.md).
  /** Port of the read-only ClickHouse HTTP interface, on HOST. Absent: no SQL entrance. 0: any free port. */
  @Transform(toNumber)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  SQL_PORT: number | undefined = undefined;

  /** Seconds a query may run (ClickHouse's max_execution_time). */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(86_400)
  SQL_MAX_EXECUTION_SECONDS = 60;

  /** Bytes of memory a query may use (max_memory_usage). */
  @Transform(toNumber)
  @IsInt()
  @Min(16 << 20)
  SQL_MAX_MEMORY_BYTES = 2 * 1024 ** 3;

  /** Rows a result may have (max_result_rows); a larger result is an error, not a truncated answer. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  SQL_MAX_RESULT_ROWS = 1_000_000;

  /** Uncompressed bytes a result may have (max_result_bytes). */
  @Transform(toNumber)
  @IsInt()
  @Min(1024)
  SQL_MAX_RESULT_BYTES = 256 * 1024 ** 2;

  /** Queries running at once; more wait for a slot (the engine shares the process with the projectors). */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(64)
  SQL_MAX_CONCURRENT_QUERIES = 4;

  // Pipeline health: when /health, /v1/admin/pipeline, the metrics and crm status call a stage lagging or stalled.
  /** A stage whose oldest unhandled event is older than this is `lagging`. */
  @Transform(toNumber)
  @IsInt()
  @Min(100)
  PIPELINE_LAGGING_AFTER_MS = 10_000;

  /** ...and `stalled` (health degraded) when, beyond this age, its position has not moved for as long. */
  @Transform(toNumber)
  @IsInt()
  @Min(100)
  PIPELINE_STALLED_AFTER_MS = 60_000;

  @IsIn(['debug', 'info', 'warn', 'error'])
  LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' = 'info';

  /** `json`: one JSON object per line, with the request's correlation id. Default: json in production. */
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' | undefined = undefined;

  /** Only read for LOG_FORMAT's default. */
  @IsOptional()
  @IsString()
  NODE_ENV: string | undefined = undefined;

  /** Largest accepted request body, in bytes (a full batch of 1,000 events fits in the default). */
  @Transform(toNumber)
  @IsInt()
  @Min(1024)
  MAX_BODY_BYTES = 4 * 1024 * 1024;

  /** Events per POST /v1/events batch. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(10_000)
  MAX_BATCH_EVENTS = 1000;

  /**
   * Customer streams whose decider state the write path keeps in memory (LRU), so a decision reads only
   * the events after the cached revision. About 1-2 KB per customer; 0 reads every stream whole.
   */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  INGEST_STATE_CACHE_SIZE = 50_000;

  /**
   * Consent mode per contact channel for outbound marketing (the decider refuses what it forbids), as
   * `channel:opt-in|opt-out` pairs, e.g. `phone:opt-in`. Channels not named keep the default: e-mail, SMS,
   * push, chat and social opt-in; phone, mail and meetings opt-out (README, "Consent").
   */
  @Transform(emptyAsUndefined)
  @IsOptional()
  @Validate(ConsentPolicyConstraint)
  CONSENT_POLICY?: string;

  /** A relay that stops renewing its lease for this long is replaced by a standby. */
  @Transform(toNumber)
  @IsInt()
  @Min(500)
  RELAY_LEASE_TTL_MS = 10_000;

  /** How often a standby relay tries the lease (and an idle leader renews it). Well below the TTL. */
  @Transform(toNumber)
  @IsInt()
  @Min(50)
  RELAY_HEARTBEAT_MS = 2_000;

  /** Most events per bus publish. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(10_000)
  RELAY_BATCH_SIZE = 500;

  /** Most age of a partial relay batch (from its first event) before it is published. */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(1_000)
  RELAY_LINGER_MS = 5;

  /** A projection rebuild that stops renewing its lease for this long (it died) may be taken over. */
  @Transform(toNumber)
  @IsInt()
  @Min(500)
  REBUILD_LEASE_TTL_MS = 30_000;

  /**
   * Events per event-store read and per shadow write of a projection rebuild. Default: the projection's own
   * (read model 5,000 per transaction; analytics 10,000 per ClickHouse insert).
   */
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(100_000)
  REBUILD_BATCH_SIZE: number | undefined = undefined;

  /**
   * HTTP processes of `crm serve` sharing PORT (node:cluster), beside its one worker part. 1: a single API
   * process, as before. More pays only where cores are left once the worker part has one (docs/benchmarks.md,
   * "HTTP ingest with several API processes").
   */
  @Transform(toNumber)
  @IsInt(API_PROCESSES_RANGE)
  @Min(1, API_PROCESSES_RANGE)
  @Max(64, API_PROCESSES_RANGE)
  API_PROCESSES = 1;

  /** Identity of this worker process in leases and logs. Default: host name and pid. */
  @Transform(emptyAsUndefined)
  @IsOptional()
  @IsString()
  WORKER_ID?: string;

  /**
   * API keys as salted hashes: a JSON list of {id, salt, hash, scopes[, rateLimit]} (`crm keys create`
   * prints an entry). Absent: the API generates a development key with every scope at boot and prints it.
   */
  @Transform(emptyAsUndefined)
  @IsOptional()
  @Validate(ApiKeysConstraint)
  API_KEYS?: string;

  /** Default per-key token bucket: sustained requests per second... */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_SECOND = 100;

  /** ...and how many may come at once. A key's own `rateLimit` overrides both. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  RATE_LIMIT_BURST = 200;

  /** A request not answered within this many milliseconds gets 503 REQUEST_TIMEOUT. */
  @Transform(toNumber)
  @IsInt()
  @Min(50)
  @Max(600_000)
  REQUEST_TIMEOUT_MS = 30_000;

  /** Comma-separated origins allowed to call the API from a browser. Absent: no CORS (closed). */
  @Transform(emptyAsUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^/\s,]+(,https?:\/\/[^/\s,]+)*$/, {
    message: 'CORS_ORIGINS must be origins like https://app.example.com[,https://other.example.com]',
  })
  CORS_ORIGINS?: string;

  get dataDir(): string {
    return resolve(this.DATA_DIR);
  }

  get workerId(): string {
    return this.WORKER_ID ?? `${hostname()}-${process.pid}`;
  }

  get apiKeys(): ApiKeyEntry[] | undefined {
    return this.API_KEYS === undefined ? undefined : parseApiKeys(this.API_KEYS);
  }

  get corsOrigins(): string[] | undefined {
    return this.CORS_ORIGINS?.split(',');
  }

  get logFormat(): 'json' | 'pretty' {
    return this.LOG_FORMAT ?? (this.NODE_ENV === 'production' ? 'json' : 'pretty');
  }

  get customerEconomics(): CustomerEconomicsSetting {
    return {
      margin: this.PROFIT_MARGIN,
      costToServe: {
        currency: this.COST_TO_SERVE_CURRENCY,
        minorByChannel: parseCostToServe(this.COST_TO_SERVE),
      },
    };
  }

  get consentPolicy(): ConsentPolicy {
    if (this.CONSENT_POLICY === undefined) return DEFAULT_CONSENT_POLICY;
    const parsed = parseConsentPolicy(this.CONSENT_POLICY);
    if ('error' in parsed) throw new ConfigError([`CONSENT_POLICY: ${parsed.error}`]);
    return parsed;
  }

  get kafkaBrokers(): string[] | undefined {
    return this.KAFKA_BROKERS?.split(',');
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const relevant = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) => value !== undefined && (known.includes(key) || key.endsWith('_URL')),
    ),
  );
  const config = plainToInstance(AppConfig, relevant, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => {
        const reasons = Object.values(e.constraints ?? {}).join('; ');
        return `${e.property}=${JSON.stringify(env[e.property] ?? '')}: ${reasons}`;
      }),
    );
  }
  return config;
}
