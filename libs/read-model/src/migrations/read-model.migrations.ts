import { CreateReadModel1767225600000 } from './1767225600000-create-read-model.migration';
import { CreateRelayLeases1767225700000 } from './1767225700000-create-relay-leases.migration';
import { CreateProjectionRebuilds1767225800000 } from './1767225800000-create-projection-rebuilds.migration';
import { AddCustomerErasedAt1767225900000 } from './1767225900000-add-customer-erased-at.migration';
import { AddCustomerFile1767226000000 } from './1767226000000-add-customer-file.migration';
import { AddProjectionOffsetPosition1767226150000 } from './1767226150000-add-projection-offset-position.migration';

/** In order. Registered explicitly (no globs): globs resolve differently under ts-node/swc and in dist. */
export const READ_MODEL_MIGRATIONS = [
  CreateReadModel1767225600000,
  CreateRelayLeases1767225700000,
  CreateProjectionRebuilds1767225800000,
  AddCustomerErasedAt1767225900000,
  AddCustomerFile1767226000000,
  AddProjectionOffsetPosition1767226150000,
] as const;
