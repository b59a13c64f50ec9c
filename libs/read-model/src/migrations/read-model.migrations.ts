import { CreateReadModel1767225600000 } from './1767225600000-create-read-model.migration';
import { CreateRelayLeases1767225700000 } from './1767225700000-create-relay-leases.migration';

/** In order. Registered explicitly (no globs): globs resolve differently under ts-node/swc and in dist. */
export const READ_MODEL_MIGRATIONS = [CreateReadModel1767225600000, CreateRelayLeases1767225700000] as const;
