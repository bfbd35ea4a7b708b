/** The 5.x gRPC proxy's public API. */
export { GrpcProxy, DEFAULT_PROXY_CONFIG, type ProxyConfig } from './grpc-proxy.js';
export { toProtoMessage, SYSTEM_PROPERTIES } from './convert.js';
export { messagingServiceDefinition, protoDir } from './proto.js';
export { ClusterProxy } from './cluster-proxy.js';
