import { JsonLogger, loadConfig } from '@crm/config';
import { Body, Controller, INestApplication, Logger, Module, Post } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { mintApiKey } from '@crm/http-api';
import { ALL_SCOPES, Public } from '@crm/http-api';
import { createApiApp } from '@crm/http-api';

/** A route of this test only: logs from inside the handler, after the body was read and an await. */
@Public()
@Controller('log-probe')
class LogProbeController {
  private readonly logger = new Logger('LogProbe');

  @Post()
  async probe(@Body() body: { say: string }) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.logger.log(`handler says ${body.say}`);
    return { ok: true };
  }
}

@Module({ controllers: [LogProbeController] })
class LogProbeModule {}

/** LOG_FORMAT=json: every line is one JSON object, and the lines a request causes carry its correlation id. */
describe('structured JSON logs (LOG_FORMAT=json)', () => {
  let dataDir: string;
  let app: INestApplication;
  const lines: Record<string, unknown>[] = [];
  const key = mintApiKey('json-logs', ALL_SCOPES);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-json-logs-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_FORMAT: 'json',
      API_KEYS: JSON.stringify([key.entry]),
    });
    const logger = new JsonLogger({
      level: config.LOG_LEVEL,
      write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    });
    app = await createApiApp(config, { logger, extraModules: [LogProbeModule] });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs the boot as JSON lines without a correlation id', () => {
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => typeof l.time === 'string' && typeof l.level === 'string')).toBe(true);
    expect(lines.some((l) => l.correlationId !== undefined)).toBe(false);
  });

  it("tags a request's log lines, in the handler and the access line, with the id its answer carries", async () => {
    const res = await request(app.getHttpServer())
      .post('/log-probe')
      .set('authorization', `Bearer ${key.token}`)
      .set('x-correlation-id', 'corr-json-1')
      .send({ say: 'hi' })
      .expect(201);
    expect(res.headers['x-correlation-id']).toBe('corr-json-1');
    const generated = await request(app.getHttpServer()).get('/health').expect(200);
    const id = generated.headers['x-correlation-id'];

    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        context: 'LogProbe',
        message: 'handler says hi',
        correlationId: 'corr-json-1',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        context: 'HTTP',
        message: expect.stringMatching(/^POST \/log-probe 201 /),
        correlationId: 'corr-json-1',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        context: 'HTTP',
        message: expect.stringMatching(/^GET \/health 200 /),
        correlationId: id,
      }),
    );
  });
});
