#!/usr/bin/env node
// Waits until a Kafka broker answers a metadata request (kafkajs admin describeCluster).
// Usage: node wait-ready.js <host:port> [timeoutSeconds]
// Exit 0 when ready, 1 on timeout, 3 when kafkajs cannot be loaded (caller falls back).
'use strict';

let Kafka, logLevel;
try {
  ({ Kafka, logLevel } = require('kafkajs'));
} catch {
  process.exit(3);
}

const broker = process.argv[2] || '127.0.0.1:59092';
const timeoutMs = Number(process.argv[3] || 60) * 1000;
const deadline = Date.now() + timeoutMs;

async function attempt() {
  const kafka = new Kafka({
    clientId: 'crm-local-wait-ready',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (!cluster.brokers.length || cluster.controller === null || cluster.controller === undefined) {
      throw new Error('no controller yet');
    }
    // listTopics goes through the metadata path the clients use
    await admin.listTopics();
    return cluster;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

(async () => {
  let lastError;
  while (Date.now() < deadline) {
    try {
      const cluster = await attempt();
      process.stderr.write(
        `[kafka.sh] broker ready: cluster ${cluster.clusterId}, controller ${cluster.controller}\n`,
      );
      process.exit(0);
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  process.stderr.write(`[kafka.sh] broker not ready: ${lastError && lastError.message}\n`);
  process.exit(1);
})();
