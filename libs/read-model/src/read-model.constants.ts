/** Name of the Customer 360 projection in `projection_checkpoints` / `projection_offsets`. */
export const CUSTOMER_READ_MODEL_PROJECTION = 'customer-read-model';

/** Own migrations table, so the read model can share a PostgreSQL database with other TypeORM users. */
export const READ_MODEL_MIGRATIONS_TABLE = 'read_model_migrations';

/** File name of the embedded (SQLite) read model inside DATA_DIR. */
export const READ_MODEL_SQLITE_FILE = 'read-model.sqlite';
