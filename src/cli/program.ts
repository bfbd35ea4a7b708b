/**
 * The `rmq` command line (commander). Each command's implementation is imported when it runs, so
 * `rmq admin ...` does not load the broker and `rmq dev` starts fast.
 *
 *   rmq namesrv [-c namesrv.conf] [-p]            name server (port 9876)
 *   rmq broker -n ADDR [-c broker.conf] [-p|-m]   broker (port 10911)
 *   rmq dev [--data ./data]                        both in one process, for development
 *   rmq produce / consume                          quick trials through the client SDK
 *   rmq admin <command>                            mqadmin's commands
 *   rmq bench produce|consume|latency              RocketMQ-style benchmarks
 *   rmq cluster up --mode 2m-2s [--sync] | down    local multi-process clusters
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { addAdminCommands } from './admin.js';
import { exitAfterFlush } from './util.js';

/** The version in the package.json above this file (dist/ or a build folder alike). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'rocketmq-ts') return pkg.version ?? '0.0.0';
    } catch {
      // no package.json here: keep going up
    }
    const up = dirname(dir);
    if (up === dir) return '0.0.0';
    dir = up;
  }
}

/** Long-running commands keep the process alive; the others exit with their status. */
function oneShot(fn: (opts: Record<string, unknown>, cmd: Command) => Promise<number>) {
  return async (opts: Record<string, unknown>, cmd: Command): Promise<void> => {
    exitAfterFlush(await fn(opts, cmd));
  };
}

export function buildProgram(): Command {
  const program = new Command('rmq')
    .description('rocketmq-ts: an Apache RocketMQ-compatible name server, broker, client and admin tool')
    .version(packageVersion(), '-V, --version')
    // Root options only before the sub-command, so mqadmin's own -v/-n/-c flags never reach it.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    // Set before the sub-commands are added so that they inherit it: usage errors reach runCli.
    .exitOverride();

  program
    .command('namesrv')
    .description('Start a name server (port 9876)')
    .option('-c, --configFile <file>', 'name server config file (properties: listenPort=9876, ...)')
    .option('-p, --printConfigItem', 'print all config items and exit')
    .option('--port <port>', 'listen port (overrides listenPort)')
    .argument('[key=value...]', 'config overrides, e.g. listenPort=9877')
    .action(async (overrides: string[], opts: Record<string, unknown>) => {
      const { runNamesrv } = await import('./servers.js');
      const code = await runNamesrv(opts, overrides);
      if (code !== null) exitAfterFlush(code);
    });

  program
    .command('broker')
    .description('Start a broker (port 10911)')
    .option('-n, --namesrvAddr <addr>', 'name server address list, e.g. 127.0.0.1:9876;127.0.0.2:9876 (default: $NAMESRV_ADDR)')
    .option('-c, --configFile <file>', 'broker.conf')
    .option('-p, --printConfigItem', 'print all config items and exit')
    .option('-m, --printImportantConfig', 'print important config items and exit')
    .argument('[key=value...]', 'config overrides with broker.conf key names, e.g. autoCreateTopicEnable=true')
    .action(async (overrides: string[], opts: Record<string, unknown>) => {
      const { runBroker } = await import('./servers.js');
      const code = await runBroker(opts, overrides);
      if (code !== null) exitAfterFlush(code);
    });

  program
    .command('dev')
    .description('Name server + broker (+ gRPC proxy for 5.x clients) in one process, data under ./data (what `npm start` runs)')
    .option('--data <dir>', 'data directory', './data')
    .option('--namesrv-port <port>', 'name server port (0 = any free port)', '9876')
    .option('--broker-port <port>', 'broker port (0 = any free port)', '10911')
    .option('--host <ip>', 'address the broker advertises to clients', '127.0.0.1')
    .option('--proxy-port <port>', 'gRPC proxy port for 5.x clients (0 = any free port)', '8081')
    .option('--no-proxy', 'do not start the gRPC proxy')
    .option('-c, --configFile <file>', 'broker.conf for the broker (dev options win)')
    .option('--json', 'print one JSON line with the addresses when ready, instead of the banner')
    .argument('[key=value...]', 'broker config overrides, e.g. flushDiskType=SYNC_FLUSH')
    .action(async (overrides: string[], opts: Record<string, unknown>) => {
      const { runDev } = await import('./servers.js');
      const code = await runDev(opts, overrides);
      if (code !== null) exitAfterFlush(code);
    });

  program
    .command('proxy')
    .description('gRPC proxy for 5.x clients in cluster mode, in front of the brokers of the name servers (port 8081)')
    .option('-n, --namesrvAddr <addr>', 'name server address list (default: $NAMESRV_ADDR)')
    .option('--port <port>', 'gRPC port (0 = any free port)', '8081')
    .option('--host <ip>', 'listen address', '0.0.0.0')
    .action(async (opts: Record<string, unknown>) => {
      const { runProxy } = await import('../proxy/run.js');
      const code = await runProxy(opts);
      if (code !== null) exitAfterFlush(code);
    });

  program
    .command('produce')
    .description('Send messages through the client SDK (a quick trial)')
    .option('-t, --topic <topic>', 'topic (required)')
    .option('-n, --namesrvAddr <addr>', 'name server address list (default: $NAMESRV_ADDR)')
    .option('-b, --body <body>', 'message body', 'Hello RocketMQ')
    .option('--tags <tags>', 'message tag')
    .option('--keys <keys>', 'message keys (space-separated)')
    .option('-c, --count <n>', 'number of messages (bodies get a sequence number when > 1)', '1')
    .option('-g, --group <group>', 'producer group', 'rmq-cli-producer')
    .option('--delay <level>', 'delay level 1..18 (1s 5s 10s 30s 1m ...)')
    .option('--json', 'one JSON line per send result')
    .action(
      oneShot(async (opts) => {
        const { runProduce } = await import('./produce.js');
        return runProduce(opts);
      }),
    );

  program
    .command('consume')
    .description('Consume messages through the client SDK (a quick trial); Ctrl-C to stop')
    .option('-t, --topic <topic>', 'topic (required)')
    .option('-g, --group <group>', 'consumer group (required)')
    .option('-s, --subExpression <expr>', "tag expression: '*' or 'TagA || TagB'", '*')
    .option('-n, --namesrvAddr <addr>', 'name server address list (default: $NAMESRV_ADDR)')
    .option('--from <where>', 'where a new group starts: first | last (only messages sent from now on) | timestamp (yyyyMMddHHmmss)', 'first')
    .option('-c, --count <n>', 'exit after this many messages')
    .option('--seconds <n>', 'exit after this many seconds')
    .option('--broadcast', 'broadcasting instead of clustering')
    .option('--json', 'one JSON line per message')
    .action(
      oneShot(async (opts) => {
        const { runConsume } = await import('./consume.js');
        return runConsume(opts);
      }),
    );

  addAdminCommands(program);

  const bench = program.command('bench').description("Benchmarks like RocketMQ's benchmark tools (live progress, final report, --json)");
  bench
    .command('produce')
    .description('Send as fast as the senders allow; report msg/s, MB/s, latency and broker CPU per message')
    .option('-n, --namesrvAddr <addr>', 'name server address list (default: $NAMESRV_ADDR)')
    .option('-t, --topic <topic>', 'topic', 'BenchmarkTest')
    .option('-w, --threads <n>', 'blocking senders (concurrent sends awaiting their ack)', '32')
    .option('-s, --size <bytes>', 'body size', '1024')
    .option('--seconds <n>', 'duration (default 10, or unlimited with -c)')
    .option('-c, --count <n>', 'stop after this many messages')
    .option('--batch <n>', 'messages per send (SEND_BATCH_MESSAGE when > 1)', '1')
    .option('--async', 'pipelined sends: keep --window sends in flight instead of -w blocking senders')
    .option('--window <n>', 'sends in flight with --async', '1000')
    .option('--producers <n>', 'producer instances (one connection each)', '1')
    .option('--tags <tag>', 'tag on every message')
    .option('-k, --keyEnable', 'set a unique key on every message')
    .option('-g, --group <group>', 'producer group', 'benchmark_producer')
    .option('-q, --quiet', 'no progress lines')
    .option('--json', 'print the final figures as one JSON line')
    .action(
      oneShot(async (opts) => {
        const { runBenchProduce } = await import('./bench/produce.js');
        return runBenchProduce(opts);
      }),
    );
  bench
    .command('consume')
    .description('Consume (drain a backlog or follow a producer); report msg/s, MB/s, end-to-end latency and broker CPU per message')
    .option('-n, --namesrvAddr <addr>', 'name server address list (default: $NAMESRV_ADDR)')
    .option('-t, --topic <topic>', 'topic', 'BenchmarkTest')
    .option('-g, --group <group>', 'consumer group (default: a new group per run)')
    .option('--from <where>', 'first | last', 'first')
    .option('--seconds <n>', 'longest run', '60')
    .option('-c, --count <n>', 'stop after this many messages')
    .option('--idle <ms>', 'stop when nothing arrived for this long (after the first message)', '3000')
    .option('--mode <mode>', 'push (DefaultMQPushConsumer) or pull (DefaultLitePullConsumer)', 'push')
    .option('--batch <n>', 'consumeMessageBatchMaxSize (push) / pullBatchSize (pull)', '32')
    .option('-q, --quiet', 'no progress lines')
    .option('--json', 'print the final figures as one JSON line')
    .action(
      oneShot(async (opts) => {
        const { runBenchConsume } = await import('./bench/consume.js');
        return runBenchConsume(opts);
      }),
    );
  bench
    .command('latency')
    .description('End-to-end latency at a steady rate: producer and consumer in this process, fresh topic')
    .option('-n, --namesrvAddr <addr>', 'name server address list (default: $NAMESRV_ADDR)')
    .option('-t, --topic <topic>', 'topic (default: a new one per run)')
    .option('--rate <n>', 'messages per second', '10000')
    .option('--seconds <n>', 'duration', '10')
    .option('-s, --size <bytes>', 'body size', '1024')
    .option('--warmup <s>', 'first seconds not counted', '1')
    .option('-q, --quiet', 'no progress lines')
    .option('--json', 'print the final figures as one JSON line')
    .action(
      oneShot(async (opts) => {
        const { runBenchLatency } = await import('./bench/latency.js');
        return runBenchLatency(opts);
      }),
    );
  program
    .command('controller')
    .description('Failover controller for brokers with enableControllerMode=true (port 9878; docs/ha.md)')
    .option('--port <port>', 'listen port', '9878')
    .option('--heartbeat-timeout <ms>', 'a broker silent this long is dead', '3000')
    .option('--data <dir>', 'directory for controller-state.json (epochs survive a restart)')
    .action(async (opts: Record<string, unknown>) => {
      const { runController } = await import('../broker/ha/controller/run.js');
      const code = await runController(opts);
      if (code !== null) exitAfterFlush(code);
    });

  const cluster = program.command('cluster').description('Name servers and brokers as separate local processes (src/cluster)');
  cluster
    .command('up')
    .description('Start a local cluster on 127.0.0.1: --mode single | 1m-1s | 2m | 2m-2s (data under ./data/cluster)')
    .option('--mode <mode>', 'single, 1m-1s, 2m or 2m-2s', 'single')
    .option('--sync', 'masters are SYNC_MASTER (a send waits for the slave)')
    .option('--auto-failover', 'start a controller; a dead master is replaced by its slave (docs/ha.md)')
    .option('--data <dir>', 'data, logs and pid files', './data/cluster')
    .option('--base-port <port>', 'first broker port (slaves and other masters follow in steps of 10; 0 = free ports)', '10911')
    .option('--namesrv-port <port>', 'first name server port (0 = free ports)', '9876')
    .option('--json', 'print the layout as one JSON line')
    .action(
      oneShot(async (opts) => {
        const { runClusterUp } = await import('../cluster/command.js');
        return runClusterUp(opts);
      }),
    );
  cluster
    .command('down')
    .description('Stop exactly the processes `rmq cluster up` started (pid files with start times)')
    .option('--data <dir>', 'the directory given to `cluster up`', './data/cluster')
    .option('--json', 'one JSON line with what was stopped')
    .action(
      oneShot(async (opts) => {
        const { runClusterDown } = await import('../cluster/command.js');
        return runClusterDown(opts);
      }),
    );

  return program;
}

/** Parses `argv` (without node and script) and runs the command. */
export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors with 2 (commander printed them).
      exitAfterFlush(err.exitCode === 0 ? 0 : 2);
      return;
    }
    process.stderr.write(`rmq: ${(err as Error).message ?? String(err)}\n`);
    exitAfterFlush(1);
  }
}
