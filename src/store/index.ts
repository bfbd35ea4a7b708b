export * from './types.js';
export { DefaultMessageStore, SCHEDULE_TOPIC, DEFAULT_MESSAGE_DELAY_LEVEL, parseDelayLevels, type DefaultMessageStoreOptions } from './default-message-store.js';
export { NodeFileIO, type FileIO, type FileStat, type DiskSpace } from './file-io.js';
export { FaultFileIO } from './fault-file-io.js';
export { CQ_STORE_UNIT_SIZE } from './consume-queue.js';
