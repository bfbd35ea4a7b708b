/**
 * `rmq namesrv` and `rmq broker` as separate child processes (and the mqnamesrv / mqbroker /
 * mqadmin aliases): the broker registers with the name server, admin sees it, both stop cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/paths.js';
import { runCli, startCli } from './cli-support.js';

const ALIAS = (name: string): string => new URL(`../../src/cli/${name}.js`, import.meta.url).pathname;

function runAlias(name: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ALIAS(name), ...args], { env: { ...process.env, RMQ_LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not exit`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

test('rmq namesrv + rmq broker -n -c broker.conf: registration, admin, clean shutdown', async () => {
  const tmp = tempDir('rmq-cli-servers-');
  const ns = startCli(['namesrv', '--port', '0', `kvConfigPath=${join(tmp.dir, 'kv.json')}`, `configStorePath=${join(tmp.dir, 'namesrv.properties')}`]);
  let broker: ReturnType<typeof startCli> | undefined;
  try {
    const m = await ns.waitFor(/boot success\. serializeType=JSON, listening on port (\d+)/, 20_000);
    const addr = `127.0.0.1:${m[1]}`;
    const conf = join(tmp.dir, 'broker.conf');
    writeFileSync(conf, `brokerClusterName = CliCluster\nbrokerName = broker-cli\nlistenPort = 0\nbrokerIP1 = 127.0.0.1\nstorePathRootDir = ${join(tmp.dir, 'store')}\n`);
    broker = startCli(['broker', '-n', addr, '-c', conf, 'autoCreateTopicEnable=false']);
    await broker.waitFor(/The broker\[broker-cli, 127\.0\.0\.1:\d+\] boot success\. serializeType=JSON and name server is 127\.0\.0\.1:\d+/, 20_000);

    let listed = false;
    for (let i = 0; i < 100 && !listed; i++) {
      const r = await runAlias('mqadmin', ['clusterList', '-n', addr, '--json']);
      assert.equal(r.code, 0, r.stderr);
      listed = (JSON.parse(r.stdout) as { brokers: Array<{ clusterName: string; brokerName: string }> }).brokers.some((b) => b.clusterName === 'CliCluster' && b.brokerName === 'broker-cli');
      if (!listed) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(listed, 'broker never appeared in clusterList');

    // autoCreateTopicEnable=false from the command line: sending to an unknown topic fails clearly.
    const send = await runCli(['admin', 'sendMessage', '-n', addr, '-t', 'NotCreated', '-p', 'x']);
    assert.notEqual(send.code, 0);

    assert.equal(await broker.stop(), 0, broker.output());
    assert.match(broker.output(), /shut down/);
    assert.equal(await ns.stop(), 0, ns.output());
  } finally {
    await broker?.stop();
    await ns.stop();
    tmp.cleanup();
  }
});

test('-p prints the configuration; bad config fails with a clear message', async () => {
  const nsConf = await runAlias('mqnamesrv', ['-p']);
  assert.equal(nsConf.code, 0, nsConf.stderr);
  assert.match(nsConf.stdout, /^listenPort=9876$/m);
  const brokerConf = await runAlias('mqbroker', ['-p', '-n', '127.0.0.1:9876']);
  assert.equal(brokerConf.code, 0, brokerConf.stderr);
  assert.match(brokerConf.stdout, /^namesrvAddr=127\.0\.0\.1:9876$/m);
  assert.match(brokerConf.stdout, /^brokerClusterName=DefaultCluster$/m);
  const important = await runCli(['broker', '-m', 'brokerName=broker-x']);
  assert.match(important.stdout, /^brokerName=broker-x$/m);

  const bad = await runCli(['broker', 'listenPort=abc']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /listenPort="abc" is not valid/);
  const missing = await runCli(['broker', '-c', '/nonexistent/broker.conf']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read broker config/);
  const notKv = await runCli(['namesrv', 'oops']);
  assert.equal(notKv.code, 2);
});
