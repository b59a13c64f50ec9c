import { loadConfig } from '@crm/config';
import { parseArgs } from 'node:util';
import { customerCommand } from './commands/customer.command';
import { generateCommand } from './commands/generate.command';
import { importCommand } from './commands/import.command';
import { keysCommand } from './commands/keys.command';
import { migrateCommand } from './commands/migrate.command';
import { replayCommand } from './commands/replay.command';
import { republishCommand } from './commands/republish.command';
import { serveCommand } from './commands/serve.command';
import { statusCommand } from './commands/status.command';
import { EXIT } from './exit-codes';

export interface CliCommand {
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const COMMANDS: Record<string, CliCommand> = {
  serve: serveCommand,
  migrate: migrateCommand,
  status: statusCommand,
  replay: replayCommand,
  republish: republishCommand,
  generate: generateCommand,
  keys: keysCommand,
  import: importCommand,
  customer: customerCommand,
};

const HELP = `crm: the event-sourced CRM backend's command line

Usage: crm <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
  .join('\n')}

Run "crm <command> --help" for a command's options. Configuration comes from environment variables
(DATA_DIR, PORT, EVENTSTORE_URL, KAFKA_BROKERS, DATABASE_URL, CLICKHOUSE_URL; see README.md).
Exit codes: 0 success, 1 failure, 2 usage error.`;

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`crm: unknown command "${name}"\n\n${HELP}`);
    return EXIT.USAGE;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    console.error(`crm ${name}: ${(error as Error).message}\n\n${command.usage}`);
    return EXIT.USAGE;
  }
  if (parsed.values.help) {
    console.log(command.usage);
    return EXIT.OK;
  }
  // Fail fast on configuration before doing anything.
  loadConfig();
  return command.run(parsed.values, parsed.positionals);
}
