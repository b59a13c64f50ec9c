import { loadConfig } from '@crm/config';
import { NestFactory } from '@nestjs/core';
import { PipelineLagQuery } from '@crm/http-api';
import { AppModule } from '@crm/http-api';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';

export const statusCommand: CliCommand = {
  summary: "Show each pipeline stage's position and lag (events, ms)",
  usage: `Usage: crm status [--json]

Prints the relay's and each projection's position, and how far behind the event store's head they are.
  --json   machine-readable output`,
  options: { json: { type: 'boolean' } },
  async run(values) {
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(loadConfig()), {
      logger: false,
    });
    try {
      const stages = await app.get(PipelineLagQuery).stages();
      if (values.json) console.log(JSON.stringify({ stages }, null, 2));
      else {
        console.log('stage                 position      head          lag events   lag ms');
        for (const s of stages) {
          const lag = `${s.lagEvents}${s.lagEventsCapped ? '+' : ''}`;
          console.log(
            `${s.name.padEnd(22)}${String(s.position ?? '-').padEnd(14)}${s.headPosition.padEnd(14)}${lag.padEnd(13)}${s.lagMs}`,
          );
        }
      }
      return EXIT.OK;
    } finally {
      await app.close();
    }
  },
};
