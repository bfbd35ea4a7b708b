/** QUERY_MESSAGE (12) and VIEW_MESSAGE_BY_ID (33), remoting-protocol.md §6.9. */
import { defineHeader, optional, required, rpcRequestFields, topicRequestFields, type HeaderType } from '../header.js';

/** Extra extField on QUERY_MESSAGE asking for an exact UNIQ_KEY lookup. */
export const UNIQUE_KEY_QUERY = '_UNIQUE_KEY_QUERY';

export const QueryMessageRequestHeader = defineHeader('QueryMessageRequestHeader', {
  topic: required.string,
  key: required.string,
  maxNum: required.int,
  beginTimestamp: required.long,
  endTimestamp: required.long,
  ...topicRequestFields,
});
export type QueryMessageRequestHeader = HeaderType<typeof QueryMessageRequestHeader>;

export const QueryMessageResponseHeader = defineHeader('QueryMessageResponseHeader', {
  indexLastUpdateTimestamp: required.long,
  indexLastUpdatePhyoffset: required.long,
});
export type QueryMessageResponseHeader = HeaderType<typeof QueryMessageResponseHeader>;

export const ViewMessageRequestHeader = defineHeader('ViewMessageRequestHeader', {
  offset: required.long,
  topic: optional.string,
  ...rpcRequestFields,
});
export type ViewMessageRequestHeader = HeaderType<typeof ViewMessageRequestHeader>;
