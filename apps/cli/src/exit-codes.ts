/** Exit codes scripts can rely on. */
export const EXIT = {
  OK: 0,
  /** Something failed at run time (a server down, a failed migration). */
  FAILURE: 1,
  /** The command line was wrong: unknown command or option, missing argument. */
  USAGE: 2,
} as const;
