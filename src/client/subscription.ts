/**
 * Subscription expressions: `*` (everything) or tags joined by `||` ("TagA || TagB"). The broker
 * filters by tag hash code in the consume queue; the client filters again by exact tag string,
 * because different tags can share a hash code.
 */
import { javaStringHashCode } from '../common/java-hash.js';
import type { SubscriptionData } from '../protocol/body/types.js';

export type { SubscriptionData };

export const SUB_ALL = '*';

/** Builds the SubscriptionData sent in heartbeats (FilterAPI.buildSubscriptionData). */
export function buildSubscriptionData(topic: string, subString: string | undefined | null, subVersion = Date.now()): SubscriptionData {
  const s = subString == null || subString.trim() === '' || subString.trim() === SUB_ALL ? SUB_ALL : subString.trim();
  const tagsSet: string[] = [];
  const codeSet: number[] = [];
  if (s !== SUB_ALL) {
    for (const raw of s.split('||')) {
      const tag = raw.trim();
      if (tag === '' || tagsSet.includes(tag)) continue;
      tagsSet.push(tag);
      codeSet.push(javaStringHashCode(tag));
    }
    if (tagsSet.length === 0) throw new RangeError(`subscription expression "${subString}" has no tags`);
  }
  return { topic, subString: s, tagsSet, codeSet, subVersion, expressionType: 'TAG', classFilterMode: false };
}

/** Whether a message with `tags` passes the subscription (exact string match). */
export function tagMatches(sub: SubscriptionData, tags: string | undefined): boolean {
  if (sub.tagsSet.length === 0) return true;
  return tags !== undefined && sub.tagsSet.includes(tags);
}
