/**
 * TransactionMQProducer: RocketMQ's transactional messages over remoting. A half message is sent
 * (TRAN_MSG, sysFlag PREPARED) and stays invisible; the local transaction runs; END_TRANSACTION
 * (oneway) commits or rolls it back. When the outcome was UNKNOW (or the END_TRANSACTION was lost),
 * the broker later asks with CHECK_TRANSACTION_STATE and checkLocalTransaction answers.
 *
 *   const producer = new TransactionMQProducer({ producerGroup: 'TX_PG', namesrvAddr, transactionListener: {
 *     executeLocalTransaction: async (msg, arg) => 'COMMIT_MESSAGE',
 *     checkLocalTransaction: async (msg) => 'COMMIT_MESSAGE',
 *   } });
 *   await producer.start();
 *   const r = await producer.sendMessageInTransaction(new Message('T', 'body'), arg);
 */
import { componentLogger } from '../common/logger.js';
import { PROPERTY, SYS_FLAG } from '../message/message-const.js';
import { decodeOffsetMessageId } from '../message/message-id.js';
import { createRequest, markOneway } from '../protocol/remoting-command.js';
import { RequestCode } from '../protocol/request-code.js';
import { EndTransactionRequestHeader, type CheckTransactionStateRequestHeader } from '../protocol/headers/index.js';
import type { RemotingConnection } from '../remoting/types.js';
import { MQClientError } from './errors.js';
import type { Message, MessageExt, SendResult } from './message.js';
import { DefaultMQProducer, type ProducerOptions } from './producer.js';
import { emptyRecord, MessageType } from './trace/trace-data.js';

const log = componentLogger('client');

export const LocalTransactionState = {
  COMMIT_MESSAGE: 'COMMIT_MESSAGE',
  ROLLBACK_MESSAGE: 'ROLLBACK_MESSAGE',
  UNKNOW: 'UNKNOW',
} as const;
export type LocalTransactionState = (typeof LocalTransactionState)[keyof typeof LocalTransactionState];

export interface TransactionListener {
  /** Runs the local transaction for a half message that was stored; a throw counts as UNKNOW. */
  executeLocalTransaction(msg: Message, arg: unknown): LocalTransactionState | Promise<LocalTransactionState>;
  /** Answers the broker's check for a half message whose outcome it does not know yet. */
  checkLocalTransaction(msg: MessageExt): LocalTransactionState | Promise<LocalTransactionState>;
}

export interface TransactionSendResult extends SendResult {
  localTransactionState: LocalTransactionState;
}

export interface TransactionProducerOptions extends ProducerOptions {
  transactionListener?: TransactionListener;
}

/** END_TRANSACTION commitOrRollback values (MessageSysFlag transaction types). */
function stateFlag(s: LocalTransactionState): number {
  return s === 'COMMIT_MESSAGE' ? SYS_FLAG.TRANSACTION_COMMIT : s === 'ROLLBACK_MESSAGE' ? SYS_FLAG.TRANSACTION_ROLLBACK : SYS_FLAG.TRANSACTION_NOT_TYPE;
}

function normalize(s: unknown): LocalTransactionState {
  return s === 'COMMIT_MESSAGE' || s === 'ROLLBACK_MESSAGE' ? s : 'UNKNOW';
}

export class TransactionMQProducer extends DefaultMQProducer {
  transactionListener?: TransactionListener;

  constructor(options: TransactionProducerOptions = {}) {
    super(options);
    this.transactionListener = options.transactionListener;
  }

  /** Sends `msg` as a half message, runs the local transaction, then commits or rolls it back. */
  async sendMessageInTransaction(msg: Message, arg?: unknown): Promise<TransactionSendResult> {
    const listener = this.transactionListener;
    if (!listener) throw new MQClientError('CONFIG', 'TransactionListener is null');
    // Delayed delivery does not apply to transactional messages.
    msg.clearProperty(PROPERTY.DELAY);
    msg.putProperty(PROPERTY.TRAN_MSG, 'true');
    msg.putProperty(PROPERTY.PGROUP, this.producerGroup);
    const sendResult = await this.send(msg);
    let state: LocalTransactionState = 'UNKNOW';
    let localException: unknown;
    if (sendResult.sendStatus === 'SEND_OK') {
      if (sendResult.transactionId) msg.putProperty(PROPERTY.TRANSACTION_ID, sendResult.transactionId);
      const uniq = msg.properties[PROPERTY.UNIQ_KEY];
      if (uniq) msg.transactionId = uniq;
      try {
        state = normalize(await listener.executeLocalTransaction(msg, arg));
      } catch (e) {
        localException = e;
        log.warn({ err: e, msgId: sendResult.msgId }, 'executeLocalTransaction threw, the state is UNKNOW');
      }
    } else {
      state = 'ROLLBACK_MESSAGE';
    }
    try {
      await this.endTransaction(msg, sendResult, state, localException);
    } catch (e) {
      // The broker will check back; the outcome is not lost.
      log.warn({ err: e, msgId: sendResult.msgId }, 'END_TRANSACTION failed');
    }
    return { ...sendResult, localTransactionState: state };
  }

  private async endTransaction(msg: Message, r: SendResult, state: LocalTransactionState, localException: unknown): Promise<void> {
    const instance = this.clientInstance;
    if (!instance) throw new MQClientError('SERVICE_STATE', 'The producer is not started');
    const { physicalOffset } = decodeOffsetMessageId(r.offsetMsgId);
    const addr = instance.findBrokerAddressInPublish(r.messageQueue.brokerName);
    if (!addr) throw new MQClientError('BROKER_NOT_EXIST', `The broker[${r.messageQueue.brokerName}] not exist`);
    const req = createRequest(
      RequestCode.END_TRANSACTION,
      EndTransactionRequestHeader.encode({
        producerGroup: this.producerGroup,
        tranStateTableOffset: r.queueOffset,
        commitLogOffset: physicalOffset,
        commitOrRollback: stateFlag(state),
        fromTransactionCheck: false,
        msgId: r.msgId,
        transactionId: msg.transactionId,
      }),
    );
    if (localException !== undefined) req.remark = `executeLocalTransactionBranch exception: ${String(localException)}`;
    await instance.transport.invokeOneway(addr, markOneway(req), this.sendMsgTimeout);
    this.traceEndTransaction(msg, r.msgId, addr, state, false);
  }

  /** An EndTransaction trace record (enableMsgTrace). */
  private traceEndTransaction(msg: Message, msgId: string, brokerAddr: string, state: LocalTransactionState, fromCheck: boolean): void {
    const d = this.msgTraceDispatcher;
    if (!d) return;
    const t = emptyRecord('EndTransaction');
    t.timestamp = Date.now();
    t.groupName = this.producerGroup;
    t.topic = msg.topic;
    t.msgId = msgId;
    t.tags = msg.tags ?? '';
    t.keys = msg.keys ?? '';
    t.storeHost = brokerAddr;
    t.msgType = MessageType.Trans_msg_Commit;
    t.transactionId = msg.transactionId ?? msgId;
    t.transactionState = state;
    t.fromTransactionCheck = fromCheck;
    d.append(t);
  }

  /** @internal Called by the client instance for CHECK_TRANSACTION_STATE. */
  checkTransactionState(conn: RemotingConnection, msg: MessageExt, header: CheckTransactionStateRequestHeader): void {
    const listener = this.transactionListener;
    if (!listener) {
      log.warn({ group: this.producerGroup }, 'CHECK_TRANSACTION_STATE but no TransactionListener');
      return;
    }
    void (async () => {
      let state: LocalTransactionState = 'UNKNOW';
      let error: unknown;
      try {
        state = normalize(await listener.checkLocalTransaction(msg));
      } catch (e) {
        error = e;
        log.warn({ err: e, msgId: msg.msgId }, 'checkLocalTransaction threw, the state is UNKNOW');
      }
      const req = createRequest(
        RequestCode.END_TRANSACTION,
        EndTransactionRequestHeader.encode({
          producerGroup: this.producerGroup,
          tranStateTableOffset: header.tranStateTableOffset,
          commitLogOffset: header.commitLogOffset,
          commitOrRollback: stateFlag(state),
          fromTransactionCheck: true,
          msgId: msg.properties[PROPERTY.UNIQ_KEY] ?? header.msgId ?? msg.msgId,
          transactionId: header.transactionId ?? msg.transactionId,
        }),
      );
      if (error !== undefined) req.remark = `checkLocalTransactionState Exception: ${String(error)}`;
      await conn.invokeOneway(markOneway(req));
      this.traceEndTransaction(msg, msg.properties[PROPERTY.UNIQ_KEY] ?? msg.msgId, conn.remoteAddress, state, true);
    })().catch((e) => log.warn({ err: e }, 'answering CHECK_TRANSACTION_STATE failed'));
  }
}
