// k0s's userspace load balancing in vipd: a TCP proxy over the API servers (tcp-proxy.ts) with a
// pure balancer (balancer.ts), health from the shared probes (backend-health.ts), and the nftables
// redirect of VIP:apiPort to it (redirect-rules.ts). The daemon wires them: daemon/k0s-proxy-runner.ts.
export { dialOrder, type BackendLoad, type DialOrder } from './balancer.js';
export { redirectRuleset, PROXY_REDIRECT_TABLE } from './redirect-rules.js';
export { BackendHealth, backendProbeSpec, DEFAULT_BACKEND_HEALTH, type BackendChange, type BackendHealthOptions } from './backend-health.js';
export { TcpProxy, backendKey, type ProxyBackend, type TcpProxyOptions, type TcpProxyEvents, type BackendStats } from './tcp-proxy.js';
