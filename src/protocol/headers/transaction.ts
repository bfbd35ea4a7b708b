/** END_TRANSACTION (37) and CHECK_TRANSACTION_STATE (39), remoting-protocol.md §6.6. */
import { defineHeader, optional, required, rpcRequestFields, type HeaderType } from '../header.js';

export const EndTransactionRequestHeader = defineHeader('EndTransactionRequestHeader', {
  producerGroup: required.string,
  tranStateTableOffset: required.long,
  commitLogOffset: required.long,
  /** 0 unknown, 8 commit, 12 rollback (MessageSysFlag values). */
  commitOrRollback: required.int,
  fromTransactionCheck: optional.boolean,
  msgId: required.string,
  transactionId: optional.string,
  topic: optional.string,
  ...rpcRequestFields,
});
export type EndTransactionRequestHeader = HeaderType<typeof EndTransactionRequestHeader>;

export const CheckTransactionStateRequestHeader = defineHeader('CheckTransactionStateRequestHeader', {
  tranStateTableOffset: required.long,
  commitLogOffset: required.long,
  msgId: optional.string,
  transactionId: optional.string,
  offsetMsgId: optional.string,
  topic: optional.string,
  ...rpcRequestFields,
});
export type CheckTransactionStateRequestHeader = HeaderType<typeof CheckTransactionStateRequestHeader>;
