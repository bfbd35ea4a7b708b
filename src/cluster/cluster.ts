/**
 * `rmq cluster up --mode single|1m-1s|2m|2m-2s [--sync]` and `rmq cluster down`: name servers and
 * brokers as separate processes on 127.0.0.1, data under ./data/cluster.
 *
 *   <data>/<node>/            store root of each broker (broker.conf written there)
 *   <data>/logs/<node>.log    stdout + stderr of each process
 *   <data>/pids/<node>.json   {pid, startTime, port, role, args}: `down` signals a pid only when its start
 *                             time (field 22 of /proc/<pid>/stat) still matches, so a recycled pid is
 *                             never hit
 *   <data>/cluster.json       the layout printed by `up`
 *
 * Ports (base 10911, namesrv 9876): broker-a 10911, its slave 10921, broker-b 10931, its slave 10941
 * (each broker also uses port + 1 for HA); name servers 9876 (and 9877 for the two-master modes).
 * Base or namesrv port 0 picks free ports (tests).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ClusterMode = 'single' | '1m-1s' | '2m' | '2m-2s';
export const CLUSTER_MODES: readonly ClusterMode[] = ['single', '1m-1s', '2m', '2m-2s'];

export interface ClusterNode {
  name: string;
  kind: 'namesrv' | 'broker' | 'controller';
  port: number;
  /** Brokers: brokerName, brokerId, role, HA port. */
  brokerName?: string;
  brokerId?: number;
  role?: string;
  haPort?: number;
  dataDir?: string;
  log: string;
  pid?: number;
  args: string[];
}

export interface ClusterLayout {
  mode: ClusterMode;
  sync: boolean;
  dataDir: string;
  clusterName: string;
  namesrvAddr: string;
  controllerAddr?: string;
  nodes: ClusterNode[];
}

export interface ClusterUpOptions {
  mode: ClusterMode;
  sync?: boolean;
  /** Start a failover controller; brokers run with enableControllerMode. */
  autoFailover?: boolean;
  /** Controller heartbeat timeout, ms (3000). */
  controllerTimeoutMs?: number;
  dataDir?: string;
  basePort?: number;
  namesrvPort?: number;
  /** Extra broker.conf keys for every broker (e.g. faster timers in tests). */
  brokerProps?: Record<string, string | number | boolean>;
  /** Extra keys for slaves only. */
  slaveProps?: Record<string, string | number | boolean>;
  /** How long to wait for each process to listen (ms). */
  readyTimeoutMs?: number;
  /** Environment for the child processes. */
  env?: NodeJS.ProcessEnv;
}

const MAIN_JS = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const CLUSTER_NAME = 'DefaultCluster';

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: split after its closing parenthesis.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await new Promise<number>((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        const port = typeof a === 'object' && a ? a.port : 0;
        s.close(() => res(port));
      });
    });
    // The HA port (port + 1) must be free too.
    const ok = p < 65535 && (await new Promise<boolean>((res) => {
      const s = createServer();
      s.once('error', () => res(false));
      s.listen(p + 1, '127.0.0.1', () => s.close(() => res(true)));
    }));
    if (ok) return p;
  }
  throw new Error('no free port pair found');
}

function waitListening(port: number, timeoutMs: number, pid: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolveP, reject) => {
    const attempt = (): void => {
      if (!isAlive(pid)) return reject(new Error(`process ${pid} exited before listening on ${port}`));
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolveP();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** broker.conf text for one node. */
export function brokerConf(o: { brokerName: string; brokerId: number; role: string; port: number; namesrvAddr: string; storeDir: string; extra?: Record<string, string | number | boolean> }): string {
  const lines = [
    `brokerClusterName=${CLUSTER_NAME}`,
    `brokerName=${o.brokerName}`,
    `brokerId=${o.brokerId}`,
    `brokerRole=${o.role}`,
    'flushDiskType=ASYNC_FLUSH',
    'deleteWhen=04',
    'fileReservedTime=48',
    `namesrvAddr=${o.namesrvAddr}`,
    'brokerIP1=127.0.0.1',
    `listenPort=${o.port}`,
    `haListenPort=${o.port + 1}`,
    `storePathRootDir=${o.storeDir}`,
  ];
  for (const [k, v] of Object.entries(o.extra ?? {})) lines.push(`${k}=${v}`);
  return lines.join('\n') + '\n';
}

/** The nodes of a mode (ports not allocated yet when base is 0). */
function plan(mode: ClusterMode): Array<{ brokerName: string; brokerId: number; slot: number }> {
  switch (mode) {
    case 'single':
      return [{ brokerName: 'broker-a', brokerId: 0, slot: 0 }];
    case '1m-1s':
      return [
        { brokerName: 'broker-a', brokerId: 0, slot: 0 },
        { brokerName: 'broker-a', brokerId: 1, slot: 1 },
      ];
    case '2m':
      return [
        { brokerName: 'broker-a', brokerId: 0, slot: 0 },
        { brokerName: 'broker-b', brokerId: 0, slot: 2 },
      ];
    case '2m-2s':
      return [
        { brokerName: 'broker-a', brokerId: 0, slot: 0 },
        { brokerName: 'broker-a', brokerId: 1, slot: 1 },
        { brokerName: 'broker-b', brokerId: 0, slot: 2 },
        { brokerName: 'broker-b', brokerId: 1, slot: 3 },
      ];
  }
}

function nodeName(brokerName: string, brokerId: number): string {
  return brokerId === 0 ? brokerName : `${brokerName}-s${brokerId}`;
}

function pidFile(dataDir: string, name: string): string {
  return join(dataDir, 'pids', `${name}.json`);
}

/** Starts one node's process (detached, output to its log) and records its pid file. */
export function spawnNode(layout: ClusterLayout, node: ClusterNode, env?: NodeJS.ProcessEnv): number {
  mkdirSync(join(layout.dataDir, 'logs'), { recursive: true });
  mkdirSync(join(layout.dataDir, 'pids'), { recursive: true });
  const fd = openSync(node.log, 'a');
  const child = spawn(process.execPath, [MAIN_JS, ...node.args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...env },
    cwd: layout.dataDir,
  });
  closeSync(fd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${node.name}`);
  node.pid = pid;
  writeFileSync(pidFile(layout.dataDir, node.name), JSON.stringify({ pid, startTime: processStartTime(pid), name: node.name, port: node.port, args: node.args }) + '\n');
  return pid;
}

/** Starts the cluster; resolves with the layout once every process listens. */
export async function clusterUp(o: ClusterUpOptions): Promise<ClusterLayout> {
  if (!CLUSTER_MODES.includes(o.mode)) throw new Error(`unknown mode "${o.mode}" (expected ${CLUSTER_MODES.join(', ')})`);
  const dataDir = resolve(o.dataDir ?? './data/cluster');
  mkdirSync(dataDir, { recursive: true });
  const running = readPidFiles(dataDir).filter((p) => p.alive);
  if (running.length > 0) throw new Error(`a cluster is already running from ${dataDir} (${running.map((p) => p.name).join(', ')}); run \`rmq cluster down\` first`);
  const basePort = o.basePort ?? 10911;
  const nsBase = o.namesrvPort ?? 9876;
  const twoMasters = o.mode === '2m' || o.mode === '2m-2s';
  const nsPorts: number[] = [];
  for (let i = 0; i < (twoMasters ? 2 : 1); i++) nsPorts.push(nsBase === 0 ? await freePortPair() : nsBase + i);
  const namesrvAddr = nsPorts.map((p) => `127.0.0.1:${p}`).join(';');
  const layout: ClusterLayout = { mode: o.mode, sync: !!o.sync, dataDir, clusterName: CLUSTER_NAME, namesrvAddr, nodes: [] };
  let controllerAddr = '';
  if (o.autoFailover) {
    const port = nsBase === 0 ? await freePortPair() : nsBase + 2;
    controllerAddr = `127.0.0.1:${port}`;
    layout.controllerAddr = controllerAddr;
    layout.nodes.push({ name: 'controller', kind: 'controller', port, log: join(dataDir, 'logs', 'controller.log'), dataDir: join(dataDir, 'controller'), args: ['controller', '--port', String(port), '--heartbeat-timeout', String(o.controllerTimeoutMs ?? 3000), '--data', join(dataDir, 'controller')] });
  }
  nsPorts.forEach((port, i) => {
    const name = `namesrv-${i + 1}`;
    const dir = join(dataDir, name);
    mkdirSync(dir, { recursive: true });
    layout.nodes.push({
      name,
      kind: 'namesrv',
      port,
      log: join(dataDir, 'logs', `${name}.log`),
      dataDir: dir,
      args: ['namesrv', '--port', String(port), `kvConfigPath=${join(dir, 'kvConfig.json')}`, `configStorePath=${join(dir, 'namesrv.properties')}`],
    });
  });
  for (const p of plan(o.mode)) {
    const port = basePort === 0 ? await freePortPair() : basePort + p.slot * 10;
    const name = nodeName(p.brokerName, p.brokerId);
    const storeDir = join(dataDir, name);
    mkdirSync(storeDir, { recursive: true });
    const role = p.brokerId > 0 ? 'SLAVE' : o.sync ? 'SYNC_MASTER' : 'ASYNC_MASTER';
    const conf = join(storeDir, 'broker.conf');
    const failover: Record<string, string | number | boolean> = controllerAddr ? { enableControllerMode: true, controllerAddr, controllerMasterRole: o.sync ? 'SYNC_MASTER' : 'ASYNC_MASTER' } : {};
    writeFileSync(conf, brokerConf({ brokerName: p.brokerName, brokerId: p.brokerId, role, port, namesrvAddr, storeDir, extra: { ...failover, ...o.brokerProps, ...(p.brokerId > 0 ? o.slaveProps : {}) } }));
    layout.nodes.push({ name, kind: 'broker', port, brokerName: p.brokerName, brokerId: p.brokerId, role, haPort: port + 1, dataDir: storeDir, log: join(dataDir, 'logs', `${name}.log`), args: ['broker', '-c', conf] });
  }
  writeFileSync(join(dataDir, 'cluster.json'), JSON.stringify(layout, null, 1) + '\n');
  const timeout = o.readyTimeoutMs ?? 20_000;
  try {
    // Name servers first, so brokers register at once.
    for (const kind of ['namesrv', 'controller', 'broker'] as const) {
      const nodes = layout.nodes.filter((n) => n.kind === kind);
      for (const n of nodes) spawnNode(layout, n, o.env);
      await Promise.all(nodes.map((n) => waitListening(n.port, timeout, n.pid!).catch((e: Error) => {
        throw new Error(`${n.name}: ${e.message} (log: ${n.log})`);
      })));
    }
  } catch (e) {
    await clusterDown({ dataDir });
    throw e;
  }
  writeFileSync(join(dataDir, 'cluster.json'), JSON.stringify(layout, null, 1) + '\n');
  return layout;
}

export interface PidRecord {
  name: string;
  pid: number;
  startTime?: string;
  file: string;
  /** The recorded process is still the one running under that pid. */
  alive: boolean;
}

export function readPidFiles(dataDir: string): PidRecord[] {
  const dir = join(dataDir, 'pids');
  if (!existsSync(dir)) return [];
  const out: PidRecord[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    const file = join(dir, f);
    try {
      const r = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; startTime?: string; name: string };
      const now = processStartTime(r.pid);
      out.push({ name: r.name, pid: r.pid, startTime: r.startTime, file, alive: now !== undefined && now === r.startTime });
    } catch {
      out.push({ name: f.replace(/\.json$/, ''), pid: -1, file, alive: false });
    }
  }
  return out;
}

/** Signals one recorded process (only if it is still the recorded one). */
export function signalNode(dataDir: string, name: string, signal: NodeJS.Signals): boolean {
  const r = readPidFiles(dataDir).find((p) => p.name === name);
  if (!r || !r.alive) return false;
  try {
    process.kill(r.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Stops exactly the processes recorded in <data>/pids: SIGTERM, then SIGKILL after graceMs. */
export async function clusterDown(o: { dataDir?: string; graceMs?: number } = {}): Promise<Array<{ name: string; pid: number; result: string }>> {
  const dataDir = resolve(o.dataDir ?? './data/cluster');
  const recs = readPidFiles(dataDir);
  // Brokers before name servers, so brokers can unregister.
  const rank = (n: string): number => (n.startsWith('namesrv') ? 2 : n === 'controller' ? 1 : 0);
  recs.sort((a, b) => rank(a.name) - rank(b.name));
  const out: Array<{ name: string; pid: number; result: string }> = [];
  for (const r of recs) {
    if (!r.alive) {
      out.push({ name: r.name, pid: r.pid, result: 'not running' });
      rmSync(r.file, { force: true });
      continue;
    }
    try {
      process.kill(r.pid, 'SIGTERM');
    } catch {
      // exited meanwhile
    }
    const deadline = Date.now() + (o.graceMs ?? 15_000);
    while (processStartTime(r.pid) === r.startTime && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    let result = 'stopped';
    if (processStartTime(r.pid) === r.startTime) {
      try {
        process.kill(r.pid, 'SIGKILL');
      } catch {
        // gone
      }
      result = 'killed';
    }
    rmSync(r.file, { force: true });
    out.push({ name: r.name, pid: r.pid, result });
  }
  return out;
}

export function loadLayout(dataDir = './data/cluster'): ClusterLayout {
  return JSON.parse(readFileSync(join(resolve(dataDir), 'cluster.json'), 'utf8')) as ClusterLayout;
}

/** The layout as a table. */
export function formatLayout(l: ClusterLayout): string {
  const rows = [['NODE', 'ROLE', 'ADDRESS', 'HA', 'PID', 'LOG']];
  for (const n of l.nodes) {
    rows.push([n.name, n.kind === 'namesrv' ? 'NAMESRV' : n.kind === 'controller' ? 'CONTROLLER' : `${n.role} (${n.brokerName}, id ${n.brokerId})`, `127.0.0.1:${n.port}`, n.haPort ? String(n.haPort) : '-', String(n.pid ?? '-'), n.log]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd());
  return `cluster ${l.clusterName}, mode ${l.mode}${l.sync ? ' (SYNC_MASTER)' : ''}, data ${l.dataDir}\nNAMESRV_ADDR=${l.namesrvAddr}\n${lines.join('\n')}\n`;
}
