/**
 * Child process for bench/proxy: name server + broker + gRPC proxy (local mode) over a temp dir, as
 * `rmq dev` runs them. Creates the topics named on the command line (8 queues, MIXED), prints one JSON
 * line with the addresses, and exits on SIGTERM or when stdin closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDev } from '../../src/cli/servers.js';
import { newTopicConfig } from '../../src/broker/topic-config-manager.js';

const dir = mkdtempSync(join(tmpdir(), 'rmq-bench-proxy-'));
const dev = await startDev({ dataDir: dir, namesrvPort: 0, brokerPort: 0, host: '127.0.0.1', proxyPort: 0 });
for (const t of process.argv.slice(2)) {
  const tc = newTopicConfig(t, 8);
  tc.attributes = { 'message.type': 'MIXED' };
  dev.broker.topicConfigManager.updateTopicConfig(tc);
}
await dev.broker.registerBrokerAll();
process.stdout.write(JSON.stringify({ namesrvAddr: dev.namesrvAddr, proxyAddr: dev.proxyAddr, brokerAddr: dev.brokerAddr, pid: process.pid }) + '\n');
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await dev.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
