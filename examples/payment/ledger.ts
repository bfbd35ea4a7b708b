/**
 * The two local databases of the payment example (SQLite through better-sqlite3, synchronous):
 *
 * Payer side (bank of account A), one file:
 *   accounts(id TEXT PRIMARY KEY, balance INTEGER)          -- balances in cents
 *   transfers(id TEXT PRIMARY KEY, from_acct, to_acct, amount, created_ms)
 *     -- one row per debit; written in the same SQLite transaction as the debit, so "is there a row
 *     -- for this message key" is the answer to the broker's check-back.
 *
 * Payee side (bank of account B), another file:
 *   accounts(id TEXT PRIMARY KEY, balance INTEGER)
 *   credits(transfer_id TEXT PRIMARY KEY, amount, applied_ms)
 *     -- the idempotency record: a credit is applied only when its transfer id is new, in the same
 *     -- SQLite transaction as the balance update, so a redelivered message never credits twice.
 */
import Database from 'better-sqlite3';

type DB = InstanceType<typeof Database>;

export interface Transfer {
  id: string;
  from: string;
  to: string;
  /** Cents. */
  amount: number;
}

export class InsufficientFunds extends Error {
  constructor(account: string, balance: number, amount: number) {
    super(`account ${account} has ${balance}, cannot pay ${amount}`);
    this.name = 'InsufficientFunds';
  }
}

function open(path: string): DB {
  const db = new Database(path, { timeout: 5000 });
  // WAL + synchronous FULL: a committed debit survives a process kill (and a power cut).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, balance INTEGER NOT NULL)');
  return db;
}

class Accounts {
  constructor(protected readonly db: DB) {}

  openAccount(id: string, balance: number): void {
    this.db.prepare('INSERT OR IGNORE INTO accounts (id, balance) VALUES (?, ?)').run(id, balance);
  }

  balance(id: string): number {
    const row = this.db.prepare('SELECT balance FROM accounts WHERE id = ?').get(id) as { balance: number } | undefined;
    return row?.balance ?? 0;
  }

  close(): void {
    this.db.close();
  }
}

export class PayerLedger extends Accounts {
  private readonly debitTx: (t: Transfer) => void;

  constructor(path: string) {
    const db = open(path);
    db.exec('CREATE TABLE IF NOT EXISTS transfers (id TEXT PRIMARY KEY, from_acct TEXT NOT NULL, to_acct TEXT NOT NULL, amount INTEGER NOT NULL, created_ms INTEGER NOT NULL)');
    super(db);
    const get = db.prepare('SELECT balance FROM accounts WHERE id = ?');
    const upd = db.prepare('UPDATE accounts SET balance = balance - ? WHERE id = ?');
    const ins = db.prepare('INSERT INTO transfers (id, from_acct, to_acct, amount, created_ms) VALUES (?, ?, ?, ?, ?)');
    this.debitTx = db.transaction((t: Transfer) => {
      const row = get.get(t.from) as { balance: number } | undefined;
      const balance = row?.balance ?? 0;
      if (balance < t.amount) throw new InsufficientFunds(t.from, balance, t.amount);
      upd.run(t.amount, t.from);
      ins.run(t.id, t.from, t.to, t.amount, Date.now());
    });
  }

  /** Debits the payer and records the transfer, atomically; throws InsufficientFunds. */
  debit(t: Transfer): void {
    this.debitTx(t);
  }

  hasTransfer(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM transfers WHERE id = ?').get(id) !== undefined;
  }

  transferCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM transfers').get() as { n: number }).n;
  }

  totalTransferred(): number {
    return (this.db.prepare('SELECT COALESCE(SUM(amount), 0) AS s FROM transfers').get() as { s: number }).s;
  }
}

export class PayeeLedger extends Accounts {
  private readonly creditTx: (t: Transfer) => boolean;

  constructor(path: string) {
    const db = open(path);
    db.exec('CREATE TABLE IF NOT EXISTS credits (transfer_id TEXT PRIMARY KEY, amount INTEGER NOT NULL, applied_ms INTEGER NOT NULL)');
    super(db);
    const mark = db.prepare('INSERT OR IGNORE INTO credits (transfer_id, amount, applied_ms) VALUES (?, ?, ?)');
    const upd = db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?');
    this.creditTx = db.transaction((t: Transfer) => {
      if (mark.run(t.id, t.amount, Date.now()).changes === 0) return false;
      if (upd.run(t.amount, t.to).changes === 0) throw new Error(`unknown payee account ${t.to}`);
      return true;
    });
  }

  /** Credits the payee once per transfer id; false when this transfer was already applied. */
  credit(t: Transfer): boolean {
    return this.creditTx(t);
  }

  creditCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM credits').get() as { n: number }).n;
  }
}
