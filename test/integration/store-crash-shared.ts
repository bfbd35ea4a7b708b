/** What the SIGKILL crash test's parent and child agree on: the config and each message's content. */
import { DEFAULT_STORE_CONFIG, type MessageInner, type MessageStoreConfig } from '../../src/store/types.js';
import { makeMessage } from '../../src/store/testing.js';

export const CRASH_TOPIC = 'CrashTest';
export const CRASH_QUEUES = 4;

export function crashTestConfig(dir: string): MessageStoreConfig {
  return {
    ...DEFAULT_STORE_CONFIG,
    storePathRootDir: dir,
    flushDiskType: 'SYNC_FLUSH',
    mappedFileSizeCommitLog: 256 * 1024,
    mappedFileSizeConsumeQueue: 20 * 1000,
    maxHashSlotNum: 10_000,
    maxIndexNum: 40_000,
    flushIntervalConsumeQueue: 100,
  };
}

export function crashTestBody(seq: number): string {
  return `crash-test message ${seq} ` + 'abcdefghij'.repeat(seq % 37);
}

export function crashTestMessage(seq: number): MessageInner {
  return makeMessage(CRASH_TOPIC, seq % CRASH_QUEUES, crashTestBody(seq), { KEYS: `seq${seq}`, TAGS: `t${seq % 3}` }, { bornTimestamp: 1_700_000_000_000 + seq });
}
