/**
 * Account A pays account B with a transactional message:
 *
 *  1. the payer sends a half message (key = transfer id) — invisible to consumers;
 *  2. executeLocalTransaction debits A and records the transfer in one SQLite transaction, then
 *     answers COMMIT_MESSAGE (or ROLLBACK_MESSAGE when A lacks the money);
 *  3. the broker makes the message visible; the payee credits B once per transfer id.
 *
 * If the payer dies between its local commit and END_TRANSACTION, the broker asks a live producer of
 * the same group (CHECK_TRANSACTION_STATE) after transactionTimeOut; checkLocalTransaction answers from
 * the transfers table: a row means the debit happened, so COMMIT; no row (after a grace period, in
 * case the local transaction is still running) means it never happened, so ROLLBACK.
 */
import { DefaultMQPushConsumer, Message, TransactionMQProducer, type MessageExt, type TransactionSendResult } from '../../src/index.js';
import { InsufficientFunds, type PayeeLedger, type PayerLedger, type Transfer } from './ledger.js';

export const PAYMENT_TOPIC = 'PaymentTopic';
export const PAYER_GROUP = 'payment_payer_group';
export const PAYEE_GROUP = 'payment_payee_group';

export interface PayerOptions {
  namesrvAddr: string;
  ledger: PayerLedger;
  topic?: string;
  producerGroup?: string;
  /** A transfer with no row is rolled back only when its message is older than this (ms, default 10 s). */
  unknownGraceMs?: number;
  /** Test hook: runs after the local commit, before END_TRANSACTION. */
  afterLocalCommit?: (t: Transfer) => Promise<void> | void;
  heartbeatBrokerInterval?: number;
}

export class Payer {
  readonly producer: TransactionMQProducer;
  private readonly topic: string;

  constructor(private readonly o: PayerOptions) {
    this.topic = o.topic ?? PAYMENT_TOPIC;
    const grace = o.unknownGraceMs ?? 10_000;
    this.producer = new TransactionMQProducer({
      producerGroup: o.producerGroup ?? PAYER_GROUP,
      namesrvAddr: o.namesrvAddr,
      heartbeatBrokerInterval: o.heartbeatBrokerInterval,
      transactionListener: {
        executeLocalTransaction: async (_msg, arg) => {
          const t = arg as Transfer;
          try {
            o.ledger.debit(t);
          } catch (e) {
            if (e instanceof InsufficientFunds) return 'ROLLBACK_MESSAGE';
            throw e; // unknown local failure: UNKNOW, the check-back decides from the table
          }
          await o.afterLocalCommit?.(t);
          return 'COMMIT_MESSAGE';
        },
        checkLocalTransaction: (msg: MessageExt) => {
          const id = msg.keys ?? '';
          if (o.ledger.hasTransfer(id)) return 'COMMIT_MESSAGE';
          return Date.now() - msg.bornTimestamp > grace ? 'ROLLBACK_MESSAGE' : 'UNKNOW';
        },
      },
    });
  }

  start(): Promise<void> {
    return this.producer.start();
  }

  shutdown(): Promise<void> {
    return this.producer.shutdown();
  }

  /** Pays `amount` cents from `from` to `to`; the transfer id is the message key. */
  async pay(t: Transfer): Promise<TransactionSendResult> {
    const msg = new Message(this.topic, JSON.stringify(t), { keys: t.id, tags: 'transfer' });
    return this.producer.sendMessageInTransaction(msg, t);
  }
}

export interface PayeeOptions {
  namesrvAddr: string;
  ledger: PayeeLedger;
  topic?: string;
  consumerGroup?: string;
  onCredit?: (t: Transfer, applied: boolean) => void;
}

export class Payee {
  readonly consumer: DefaultMQPushConsumer;

  constructor(o: PayeeOptions) {
    this.consumer = new DefaultMQPushConsumer({
      consumerGroup: o.consumerGroup ?? PAYEE_GROUP,
      namesrvAddr: o.namesrvAddr,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    this.consumer.subscribe(o.topic ?? PAYMENT_TOPIC, 'transfer');
    this.consumer.registerMessageListener(async (msgs) => {
      for (const m of msgs) {
        const t = parseTransfer(m);
        if (!t) continue; // not ours; logged by nobody, skipped
        const applied = o.ledger.credit(t);
        o.onCredit?.(t, applied);
      }
      return 'CONSUME_SUCCESS';
    });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  shutdown(): Promise<void> {
    return this.consumer.shutdown();
  }
}

export function parseTransfer(m: MessageExt): Transfer | undefined {
  try {
    const t = JSON.parse(m.body.toString('utf8')) as Transfer;
    if (typeof t.id !== 'string' || typeof t.to !== 'string' || !Number.isInteger(t.amount) || t.amount <= 0) return undefined;
    // The message key is authoritative for idempotency.
    if (m.keys && m.keys !== t.id) return undefined;
    return t;
  } catch {
    return undefined;
  }
}
