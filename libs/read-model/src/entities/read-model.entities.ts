import { CustomerScoreEntity } from './customer-score.entity';
import { CustomerSpendEntity } from './customer-spend.entity';
import { CustomerEntity } from './customer.entity';
import { ProjectionCheckpointEntity } from './projection-checkpoint.entity';
import { ProjectionOffsetEntity } from './projection-offset.entity';
import { RelayLeaseEntity } from './relay-lease.entity';

/** Registered explicitly (no globs): globs resolve differently under ts-node/swc and in dist. */
export const READ_MODEL_ENTITIES = [
  CustomerEntity,
  CustomerSpendEntity,
  CustomerScoreEntity,
  ProjectionCheckpointEntity,
  ProjectionOffsetEntity,
  RelayLeaseEntity,
] as const;
