/**
 * The brokers that hold a consumer group's state: the masters of its %RETRY% topic's route (as
 * mqadmin resolves them), or every master when that topic has no route yet.
 */
import { RemotingResponseError } from '../../common/errors.js';
import { ResponseCode } from '../../protocol/response-code.js';
import type { AdminClient, BrokerTarget } from '../admin-client.js';

export async function groupBrokers(admin: AdminClient, group: string): Promise<BrokerTarget[]> {
  try {
    const { targets } = await admin.topicMasters(`%RETRY%${group}`);
    if (targets.length > 0) return targets;
  } catch (err) {
    if (!(err instanceof RemotingResponseError && err.responseCode === ResponseCode.TOPIC_NOT_EXIST)) throw err;
  }
  return admin.masterBrokers();
}

/** The broker given with -b, else the addresses of groupBrokers. */
export async function groupBrokerAddrs(admin: AdminClient, group: string, brokerAddr: string | undefined): Promise<string[]> {
  return brokerAddr ? [brokerAddr] : (await groupBrokers(admin, group)).map((b) => b.addr);
}
