/**
 * Subscription guard: the broker keeps one subscription per consumer group and topic (the latest
 * heartbeat wins), so when members of a group subscribe a topic with different expressions, some of
 * them silently get messages filtered by another member's expression. This records each member's own
 * subscriptions from its heartbeats, logs a warning when a group's members disagree, and lists the
 * disagreements (GET_CONSUMER_CONNECTION_LIST `subscriptionConflicts`, `rmq admin checkSubscription`).
 */
import type { Logger } from '../common/logger.js';

export interface MemberSubscription {
  topic: string;
  subString: string;
  expressionType?: string;
}

export interface SubscriptionVariant {
  expressionType: string;
  subString: string;
  clientIds: string[];
}

export interface SubscriptionConflict {
  topic: string;
  variants: SubscriptionVariant[];
}

interface Member {
  clientId: string;
  closed: () => boolean;
  subs: Map<string, { subString: string; expressionType: string }>;
}

export class SubscriptionGuard {
  private readonly groups = new Map<string, Map<unknown, Member>>();
  /** Last conflict signature logged per group (a warning once per change, not per heartbeat). */
  private readonly logged = new Map<string, string>();

  constructor(private readonly log?: Logger) {}

  /** A member's heartbeat: `subs` undefined keeps its previous subscriptions (5.x withoutSub). */
  record(group: string, conn: { closed: boolean }, clientId: string, subs: MemberSubscription[] | undefined): SubscriptionConflict[] {
    let g = this.groups.get(group);
    if (!g) {
      g = new Map();
      this.groups.set(group, g);
    }
    for (const [k, m] of g) if (m.closed()) g.delete(k);
    const cur = g.get(conn);
    if (subs === undefined && cur) {
      cur.clientId = clientId;
    } else {
      const map = new Map<string, { subString: string; expressionType: string }>();
      for (const s of subs ?? []) {
        // %RETRY%<group> is subscribed by every member with *; not a user choice.
        if (s.topic.startsWith('%RETRY%')) continue;
        map.set(s.topic, { subString: s.subString.trim(), expressionType: (s.expressionType ?? 'TAG').toUpperCase() });
      }
      g.set(conn, { clientId, closed: () => conn.closed, subs: map });
    }
    const conflicts = this.conflicts(group);
    const sig = JSON.stringify(conflicts);
    if (conflicts.length > 0 && this.logged.get(group) !== sig) {
      this.log?.warn({ group, conflicts }, 'members of a consumer group subscribe differently; the broker keeps one subscription per group and topic, so some members may miss messages');
    }
    if (conflicts.length > 0) this.logged.set(group, sig);
    else this.logged.delete(group);
    return conflicts;
  }

  /** A member left (connection closed or unregistered). */
  remove(group: string, conn: unknown): void {
    this.groups.get(group)?.delete(conn);
  }

  /** Topics whose live members of `group` use different expressions. */
  conflicts(group: string, isMember?: (conn: unknown) => boolean): SubscriptionConflict[] {
    const g = this.groups.get(group);
    if (!g) return [];
    const byTopic = new Map<string, Map<string, SubscriptionVariant>>();
    for (const [conn, m] of g) {
      if (m.closed() || (isMember && !isMember(conn))) continue;
      for (const [topic, s] of m.subs) {
        let v = byTopic.get(topic);
        if (!v) {
          v = new Map();
          byTopic.set(topic, v);
        }
        const key = s.expressionType + '\u0000' + s.subString;
        let variant = v.get(key);
        if (!variant) {
          variant = { expressionType: s.expressionType, subString: s.subString, clientIds: [] };
          v.set(key, variant);
        }
        variant.clientIds.push(m.clientId);
      }
    }
    // A live member that does not subscribe a topic its group mates do is a disagreement too (the
    // topic's queues allocated to it are never consumed).
    for (const [topic, v] of byTopic) {
      const missing: string[] = [];
      for (const [conn, m] of g) {
        if (m.closed() || (isMember && !isMember(conn))) continue;
        if (!m.subs.has(topic)) missing.push(m.clientId);
      }
      if (missing.length) v.set('NONE', { expressionType: 'NONE', subString: '(not subscribed)', clientIds: missing });
    }
    const out: SubscriptionConflict[] = [];
    for (const [topic, v] of byTopic) {
      if (v.size > 1) out.push({ topic, variants: [...v.values()].map((x) => ({ ...x, clientIds: x.clientIds.sort() })) });
    }
    return out.sort((a, b) => (a.topic < b.topic ? -1 : 1));
  }
}
