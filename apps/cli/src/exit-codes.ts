/** Exit codes scripts can rely on. */
export const EXIT = {
  OK: 0,
  /** Something failed at run time (a server down, a failed migration). */
  FAILURE: 1,
  /** The command line was wrong: unknown command or option, missing argument. */
  USAGE: 2,
  /** Someone else holds what the command needs: a rebuild of that projection is already running. */
  BUSY: 3,
  /** Stopped by SIGINT/SIGTERM before finishing; running the command again resumes (`crm replay`). */
  INTERRUPTED: 130,
} as const;
