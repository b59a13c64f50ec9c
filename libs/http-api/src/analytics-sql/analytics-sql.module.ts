import { Module } from '@nestjs/common';
import { SqlEntrance } from './sql-entrance.server';

/** Analysts' SQL on the embedded engine, on SQL_PORT (see SqlEntrance). */
@Module({ providers: [SqlEntrance], exports: [SqlEntrance] })
export class AnalyticsSqlModule {}
