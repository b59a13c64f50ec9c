export * from './rebuildable-projection';
export * from './rebuild.errors';
export * from './rebuild-progress';
export { RebuildLeases, type RebuildRecord, type RebuildStatus } from './rebuild-lease.repository';
export {
  ProjectionRebuilder,
  DEFAULT_REBUILD_BATCH,
  type ProjectionRebuilderOptions,
  type RebuildOptions,
  type RebuildResult,
} from './projection-rebuilder';
export { CustomerReadModelRebuild } from './customer-read-model.rebuild';
