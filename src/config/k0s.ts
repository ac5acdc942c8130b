// k0s's control plane load balancing config -> the same VipdConfig keepalived.conf produces,
// so k0s operators can run vipd without keepalived.conf. Accepts a whole ClusterConfig
// (spec.network.controlPlaneLoadBalancing), a `controlPlaneLoadBalancing:` document, or the
// bare controlPlaneLoadBalancing object. Defaults and validation follow k0s's v1beta1 API
// (cplb.go), with its Kubernetes-style messages ("<path>: Required value", "Invalid value: ...").
//
// What k0s's template would render is reproduced here: instances k0s-vip-<i>, state BACKUP,
// priority 200, PASS authentication; virtual servers <ip>:<apiPort> with one real server per
// controller (weight 1, TCP_CHECK warmup 0, retry 1, connect_timeout 3). Instead of the
// notify scripts + symlinked include, the k0s extras tell the daemon to program IPVS on the
// master only and to put every VIP on dummyvip0 as /32 or /128.
//
// The load balancing mode is chosen as k0s chooses it (pkg/component/controller/cplb/cplb_linux.go
// Start): virtualServers configured -> IPVS; none -> k0s's default, a userspace TCP proxy on
// userSpaceProxyBindPort that VIP:apiPort is redirected to; disableLoadBalancer -> neither.
// The controllers (IPVS real servers, proxy backends) are --k0s-controllers, else the unicast
// source and peers of the instances (k0s learns them from the `kubernetes` endpoints, which vipd
// cannot read); the proxy without either forwards to this node's API server, as k0s does until
// its first endpoint update.
import { isIPv4 } from 'node:net';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError } from '../errors.js';
import {
  defaultGarp, defaultGlobal, INSTANCE_DEFAULTS, PERSISTENCE_TIMEOUT_DEFAULT, REAL_SERVER_WEIGHT_DEFAULT, VIRTUAL_SERVER_DEFAULTS,
} from './defaults.js';
import { nodeConfigFs, readConfigFile, type ConfigFs } from './fs.js';
import { parseGoDuration, truncateToMicroseconds } from './go-duration.js';
import type {
  ConfigWarning,
  K0sLoadBalancer,
  K0sUserSpaceProxy,
  LoadResult,
  LvsMethod,
  LvsScheduler,
  ProxyBalance,
  ProxyHealthCheck,
  RealServerSpec,
  SourceRef,
  VipdConfig,
  VirtualAddressSpec,
  VirtualServerSpec,
  VrrpInstanceSpec,
} from './types.js';
import { isIp } from './values.js';

export const K0S_DUMMY_VIP_INTERFACE = 'dummyvip0';
export const K0S_DEFAULT_ADDRESS_LABEL = 10000;
const K0S_LB_ALGOS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'dh', 'sh', 'sed', 'nq'] as const;
const K0S_LB_KINDS = ['NAT', 'DR', 'TUN'] as const;

export interface K0sOptions {
  fs?: ConfigFs;
  /** NIC of the default route, for instances without `interface`. Throws when there is none. */
  defaultInterface?: () => string;
  /** Link name owning a MAC address, for `interface: aa:bb:cc:dd:ee:ff`. Throws when none. */
  interfaceForMac?: (mac: string) => string;
  /** Controller addresses: the real servers of every virtual server. */
  controllers?: string[];
  /** API server port when the document does not say (spec.api.port); default 6443. */
  apiPort?: number;
  /** Userspace proxy: how a backend is picked (default round-robin, as k0s's proxy). */
  proxyBalance?: ProxyBalance;
  /** Userspace proxy: how backends are checked (default readyz). */
  proxyHealthCheck?: ProxyHealthCheck;
}

export function loadK0sConfig(file: string, options: K0sOptions = {}): LoadResult {
  const fs = options.fs ?? nodeConfigFs;
  const text = readConfigFile(fs, file);
  return parseK0sConfig(text, { ...options, file });
}

interface FieldError {
  message: string;
  line: number;
}

const MAC = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/;

export function parseK0sConfig(text: string, options: K0sOptions & { file: string }): LoadResult {
  const { file } = options;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}`, { file, line: lineCounter.linePos(e.pos[0]).line });
  }
  let root: unknown;
  try {
    root = doc.toJS();
  } catch (e) {
    // e.g. an alias expanding too much ("billion laughs").
    throw new ConfigError(`invalid YAML: ${(e as Error).message}`, { file });
  }
  const warnings: ConfigWarning[] = [];
  const errors: FieldError[] = [];

  // Locate the controlPlaneLoadBalancing object and the path k0s reports errors under.
  let base: Array<string | number>;
  let pathName: string;
  let apiPort = options.apiPort ?? 6443;
  if (isObject(root) && isObject(root.spec)) {
    base = ['spec', 'network', 'controlPlaneLoadBalancing'];
    pathName = 'spec.network.controlPlaneLoadBalancing';
    const api = root.spec.api;
    if (isObject(api) && api.port !== undefined) {
      if (!Number.isInteger(api.port) || (api.port as number) < 1 || (api.port as number) > 65535) {
        throw new ConfigError(`spec.api.port: Invalid value: ${JSON.stringify(api.port)}: must be between 1 and 65535, inclusive`, { file, line: lineOf(doc, lineCounter, ['spec', 'api', 'port']) });
      }
      apiPort = api.port as number;
    }
  } else if (isObject(root) && 'controlPlaneLoadBalancing' in root) {
    base = ['controlPlaneLoadBalancing'];
    pathName = 'controlPlaneLoadBalancing';
  } else {
    base = [];
    pathName = 'controlPlaneLoadBalancing';
  }
  const cplb = getIn(root, base);
  const line = (p: Array<string | number>) => lineOf(doc, lineCounter, [...base, ...p]);
  const err = (p: Array<string | number>, message: string) => errors.push({ message: `${fieldPath(pathName, p)}: ${message}`, line: line(p) });
  const invalid = (p: Array<string | number>, value: unknown, detail: string) => err(p, `Invalid value: ${JSON.stringify(value)}: ${detail}`);

  const empty: VipdConfig = emptyConfig(file);
  if (cplb === undefined || cplb === null) {
    warnings.push({ file, line: 0, message: `${pathName} is not set: nothing to do` });
    return { config: empty, warnings };
  }
  if (!isObject(cplb)) throw new ConfigError(`${pathName}: Invalid value: must be an object`, { file, line: line([]) });

  // In a ClusterConfig `enabled` defaults to false, as in k0s; a standalone document given to
  // vipd on purpose is enabled unless it says `enabled: false`.
  if (cplb.enabled === false || (base.length === 3 && cplb.enabled !== true)) {
    warnings.push({ file, line: line(['enabled']), message: `${pathName}.enabled is not true: nothing to do` });
    return { config: empty, warnings };
  }
  if (cplb.type !== undefined && cplb.type !== '' && cplb.type !== 'Keepalived') {
    err(['type'], `Unsupported value: ${JSON.stringify(cplb.type)}: supported values: "Keepalived"`);
  }
  const ka = cplb.keepalived ?? {};
  if (!isObject(ka)) throw new ConfigError(`${pathName}.keepalived: Invalid value: must be an object`, { file, line: line(['keepalived']) });

  const rawInstances = ka.vrrpInstances ?? [];
  const rawServers = ka.virtualServers ?? [];
  if (!Array.isArray(rawInstances)) invalid(['keepalived', 'vrrpInstances'], rawInstances, 'must be a list');
  if (!Array.isArray(rawServers)) invalid(['keepalived', 'virtualServers'], rawServers, 'must be a list');

  let defaultNic: { nic?: string; error?: string } | undefined;
  const nicOfDefaultRoute = () => {
    if (!defaultNic) {
      try {
        if (!options.defaultInterface) throw new Error('no default interface resolver');
        defaultNic = { nic: options.defaultInterface() };
      } catch (e) {
        defaultNic = { error: (e as Error).message };
      }
    }
    return defaultNic;
  };

  const instances: VrrpInstanceSpec[] = [];
  const labels: Record<string, number> = {};
  (Array.isArray(rawInstances) ? rawInstances : []).forEach((raw: unknown, i) => {
    const p = (...rest: Array<string | number>) => ['keepalived', 'vrrpInstances', i, ...rest];
    if (!isObject(raw)) return invalid(p(), raw, 'must be an object');
    const where: SourceRef = { file, line: line(p()) };
    for (const key of Object.keys(raw)) {
      if (!['virtualIPs', 'interface', 'virtualRouterID', 'advertIntervalSeconds', 'authPass', 'unicastPeers', 'unicastSourceIP', 'addressLabel'].includes(key)) {
        warnings.push({ file, line: line(p(key)), message: `${fieldPath(pathName, p(key))}: unknown field` });
      }
    }
    let iface = str(raw.interface, p('interface'));
    if (iface === '' || iface === undefined) {
      const r = nicOfDefaultRoute();
      if (r.error !== undefined) err(p('interface'), `Internal error: failed to get default NIC: ${r.error}`);
      iface = r.nic ?? '';
    } else if (MAC.test(iface)) {
      try {
        if (!options.interfaceForMac) throw new Error('no MAC resolver');
        iface = options.interfaceForMac(iface);
      } catch (e) {
        err(p('interface'), `Internal error: failed to get NIC for MAC address ${iface}: ${(e as Error).message}`);
      }
    }
    let vrid = int(raw.virtualRouterID, p('virtualRouterID')) ?? 0;
    if (vrid === 0) {
      vrid = 51 + i;
      if (vrid > 255) err(p('virtualRouterID'), 'Internal error: automatic virtualRouterIDs exceeded, specify them explicitly');
    } else if (vrid < 1 || vrid > 255) invalid(p('virtualRouterID'), vrid, 'must be between 1 and 255, inclusive');
    let label = int(raw.addressLabel, p('addressLabel')) ?? 0;
    if (label === 0) label = K0S_DEFAULT_ADDRESS_LABEL;
    else if (label === 0xffffffff) invalid(p('addressLabel'), label, '0xffffffff is reserved');
    else if (label < 0 || label > 0xffffffff) invalid(p('addressLabel'), label, 'must be between 1 and 4294967294, inclusive');
    let advert = int(raw.advertIntervalSeconds, p('advertIntervalSeconds')) ?? 0;
    if (advert === 0) advert = 1;
    else if (advert < 1) invalid(p('advertIntervalSeconds'), advert, 'must be greater than or equal to 1');
    else if (advert > 255) invalid(p('advertIntervalSeconds'), advert, 'must be less than or equal to 255');
    const pass = str(raw.authPass, p('authPass')) ?? '';
    if (pass === '') err(p('authPass'), 'Required value');
    else if (Buffer.byteLength(pass) > 8) err(p('authPass'), 'Too long: may not be more than 8 bytes');

    const vips: VirtualAddressSpec[] = [];
    const rawVips = raw.virtualIPs;
    if (rawVips !== undefined && !Array.isArray(rawVips)) invalid(p('virtualIPs'), rawVips, 'must be a list');
    const vipList = Array.isArray(rawVips) ? rawVips : [];
    if (vipList.length === 0) err(p('virtualIPs'), 'Required value');
    vipList.forEach((v: unknown, j) => {
      const cidr = typeof v === 'string' ? parseCidrText(v) : undefined;
      if (!cidr) return invalid(p('virtualIPs', j), v, 'must be a valid address in CIDR form, (e.g. 10.9.8.7/24 or 2001:db8::1/64)');
      vips.push({ ...cidr, noTrack: false, where: { file, line: line(p('virtualIPs', j)) } });
    });

    const peers = raw.unicastPeers ?? [];
    const src = str(raw.unicastSourceIP, p('unicastSourceIP')) ?? '';
    if (!Array.isArray(peers)) invalid(p('unicastPeers'), peers, 'must be a list');
    const peerList: string[] = [];
    if (Array.isArray(peers) && peers.length > 0) {
      if (src === '') err(p('unicastSourceIP'), 'Required value: when unicastPeers are specified');
      else if (!isIp(src)) invalid(p('unicastSourceIP'), src, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::1)');
      peers.forEach((peer: unknown, j) => {
        if (typeof peer !== 'string' || !isIp(peer)) return invalid(p('unicastPeers', j), peer, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::1)');
        if (peer === src) return invalid(p('unicastPeers', j), peer, 'must not be the same as unicastSourceIP');
        peerList.push(peer);
      });
    }
    const family = vips[0]?.family ?? 4;
    if (vips.some((v) => v.family !== family)) invalid(p('virtualIPs'), vipList, 'must all be IPv4 or all IPv6');
    // VRRP runs one address family per instance: keepalived could not use a peer or source of the other one.
    const familyName = family === 4 ? 'IPv4' : 'IPv6';
    if (src !== '' && isIp(src) && (isIPv4(src) ? 4 : 6) !== family) invalid(p('unicastSourceIP'), src, `must be ${familyName} like virtualIPs`);
    peerList.forEach((peer) => {
      if ((isIPv4(peer) ? 4 : 6) !== family) invalid(p('unicastPeers', (peers as unknown[]).indexOf(peer)), peer, `must be ${familyName} like virtualIPs`);
    });
    const name = `k0s-vip-${i}`;
    labels[name] = label;
    const inst: VrrpInstanceSpec = {
      name,
      state: 'BACKUP',
      interface: iface,
      virtualRouterId: vrid,
      priority: 200,
      advertIntervalCs: advert * 100,
      version: family === 6 ? 3 : 2,
      family,
      authentication: { type: 'PASS', pass },
      virtualIpAddresses: vips,
      virtualIpAddressesExcluded: [],
      unicastPeers: peerList.map((address) => ({ address })),
      checkUnicastSrc: false,
      preempt: INSTANCE_DEFAULTS.preempt,
      preemptDelay: INSTANCE_DEFAULTS.preemptDelay,
      accept: true,
      strict: false,
      trackInterfaces: [],
      trackScripts: [],
      trackFiles: [],
      trackProcesses: [],
      notifyPriorityChanges: false,
      dontTrackPrimary: INSTANCE_DEFAULTS.dontTrackPrimary,
      nativeIpv6: family === 6,
      ...defaultGarp(),
      where,
    };
    if (peerList.length > 0 && src !== '') inst.unicastSrcIp = src;
    instances.push(inst);
  });

  const servers: VirtualServerSpec[] = [];
  const unicast = [...new Set(instances.flatMap((i) => [...(i.unicastSrcIp ? [i.unicastSrcIp] : []), ...i.unicastPeers.map((p) => p.address)]))];
  const controllersFrom: K0sUserSpaceProxy['backendsFrom'] = options.controllers?.length ? 'controllers' : unicast.length ? 'unicast' : 'local';
  const controllers = options.controllers?.length ? options.controllers : unicast;
  (Array.isArray(rawServers) ? rawServers : []).forEach((raw: unknown, i) => {
    const p = (...rest: Array<string | number>) => ['keepalived', 'virtualServers', i, ...rest];
    if (!isObject(raw)) return invalid(p(), raw, 'must be an object');
    for (const key of Object.keys(raw)) {
      if (!['ipAddress', 'delayLoop', 'lbAlgo', 'lbKind', 'persistenceTimeoutSeconds'].includes(key)) {
        warnings.push({ file, line: line(p(key)), message: `${fieldPath(pathName, p(key))}: unknown field` });
      }
    }
    const ip = str(raw.ipAddress, p('ipAddress')) ?? '';
    if (ip === '') err(p('ipAddress'), 'Required value');
    else if (!isIp(ip)) invalid(p('ipAddress'), ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::1)');
    const algo = (str(raw.lbAlgo, p('lbAlgo')) || 'rr') as LvsScheduler;
    if (!(K0S_LB_ALGOS as readonly string[]).includes(algo)) {
      err(p('lbAlgo'), `Unsupported value: ${JSON.stringify(algo)}: supported values: ${K0S_LB_ALGOS.map((a) => JSON.stringify(a)).join(', ')}`);
    }
    const kind = (str(raw.lbKind, p('lbKind')) || 'DR') as LvsMethod;
    if (!(K0S_LB_KINDS as readonly string[]).includes(kind)) {
      err(p('lbKind'), `Unsupported value: ${JSON.stringify(kind)}: supported values: ${K0S_LB_KINDS.map((a) => JSON.stringify(a)).join(', ')}`);
    }
    let persistence = int(raw.persistenceTimeoutSeconds, p('persistenceTimeoutSeconds')) ?? 0;
    if (persistence === 0) persistence = PERSISTENCE_TIMEOUT_DEFAULT;
    else if (persistence < 1 || persistence > 2678400) invalid(p('persistenceTimeoutSeconds'), persistence, 'must be between 1 and 2678400, inclusive');
    let delayLoop = VIRTUAL_SERVER_DEFAULTS.delayLoop;
    if (raw.delayLoop !== undefined && raw.delayLoop !== null && raw.delayLoop !== '') {
      const d = typeof raw.delayLoop === 'string' ? parseGoDuration(raw.delayLoop) : undefined;
      if (d === undefined) invalid(p('delayLoop'), raw.delayLoop, 'must be a duration such as 1m, 30s or 1m30s');
      else if (d === 0) delayLoop = VIRTUAL_SERVER_DEFAULTS.delayLoop;
      else {
        delayLoop = truncateToMicroseconds(d);
        if (delayLoop <= 0) invalid(p('delayLoop'), raw.delayLoop, 'must be positive');
      }
    }
    if (!isIp(ip)) return;
    const family: 4 | 6 = isIPv4(ip) ? 4 : 6;
    const where: SourceRef = { file, line: line(p()) };
    const realServers: RealServerSpec[] = controllers.map((address) => ({
      address,
      port: apiPort,
      weight: REAL_SERVER_WEIGHT_DEFAULT,
      method: kind,
      inhibitOnFailure: VIRTUAL_SERVER_DEFAULTS.inhibitOnFailure,
      checkers: [
        {
          type: 'TCP_CHECK',
          connectIp: address,
          connectPort: apiPort,
          connectTimeout: 3,
          retry: 1,
          delayBeforeRetry: 1,
          warmup: 0,
          alpha: false,
          delayLoop,
          where,
        },
      ],
      where,
    }));
    servers.push({
      target: { kind: 'address', address: ip, port: apiPort, family },
      delayLoop,
      scheduler: algo,
      schedulerFlags: [],
      method: kind,
      protocol: 'TCP',
      persistenceTimeout: persistence,
      ops: VIRTUAL_SERVER_DEFAULTS.ops,
      quorum: VIRTUAL_SERVER_DEFAULTS.quorum,
      hysteresis: VIRTUAL_SERVER_DEFAULTS.hysteresis,
      alpha: VIRTUAL_SERVER_DEFAULTS.alpha,
      omega: VIRTUAL_SERVER_DEFAULTS.omega,
      inhibitOnFailure: VIRTUAL_SERVER_DEFAULTS.inhibitOnFailure,
      realServers,
      where,
    });
  });

  let proxyPort = 6444;
  if (ka.userSpaceProxyBindPort !== undefined && ka.userSpaceProxyBindPort !== 0) {
    const v = int(ka.userSpaceProxyBindPort, ['keepalived', 'userSpaceProxyBindPort']);
    if (v !== undefined && (v < 1 || v > 65535)) invalid(['keepalived', 'userSpaceProxyBindPort'], v, 'must be between 1 and 65535, inclusive');
    else if (v !== undefined) proxyPort = v;
  }
  const disableLoadBalancer = ka.disableLoadBalancer === true;

  // int()/str() report type errors through this list too.
  function int(v: unknown, p: Array<string | number>): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      invalid(p, v, 'must be an integer');
      return undefined;
    }
    return v;
  }
  function str(v: unknown, p: Array<string | number>): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      invalid(p, v, 'must be a string');
      return undefined;
    }
    return v;
  }

  if (errors.length > 0) {
    const message = errors.length === 1 ? errors[0]!.message : `[${errors.map((e) => e.message).join(', ')}]`;
    throw new ConfigError(message, { file, line: errors[0]!.line });
  }
  // k0s: IPVS when virtual servers are configured, else its userspace proxy (which needs a VIP).
  const loadBalancer: K0sLoadBalancer = disableLoadBalancer ? 'none' : servers.length > 0 ? 'ipvs' : instances.length > 0 ? 'userspace' : 'none';
  if (loadBalancer === 'ipvs' && controllers.length === 0) {
    warnings.push({ file, line: line(['keepalived', 'virtualServers']), message: `no controller addresses: virtual servers have no real servers yet` });
  }
  if (disableLoadBalancer && servers.length > 0) {
    warnings.push({ file, line: line(['keepalived', 'disableLoadBalancer']), message: `${pathName}.keepalived.disableLoadBalancer: the virtual servers are not programmed (as with k0s)` });
  }
  let userSpaceProxy: K0sUserSpaceProxy | undefined;
  if (loadBalancer === 'userspace') {
    if (controllersFrom === 'local') {
      warnings.push({ file, line: line(['keepalived', 'vrrpInstances']), message: `no controller addresses (--k0s-controllers or unicast peers): the userspace proxy forwards to this node's API server only (127.0.0.1:${apiPort})` });
    }
    userSpaceProxy = {
      bindPort: proxyPort, apiPort, backends: controllersFrom === 'local' ? ['127.0.0.1'] : controllers, backendsFrom: controllersFrom,
      balance: options.proxyBalance ?? 'round-robin', healthCheck: options.proxyHealthCheck ?? 'readyz',
    };
  }

  const config: VipdConfig = {
    ...empty,
    vrrpInstances: instances,
    // disableLoadBalancer: k0s renders no virtual servers (its reconciler never starts) but keeps dummyvip0.
    virtualServers: disableLoadBalancer ? [] : servers,
    k0s: {
      ...(servers.length > 0 ? { dummyVipInterface: K0S_DUMMY_VIP_INTERFACE } : {}),
      virtualServersOnMasterOnly: true,
      ipv6AddressLabels: labels,
      userSpaceProxyBindPort: proxyPort,
      disableLoadBalancer,
      loadBalancer,
      ...(userSpaceProxy ? { userSpaceProxy } : {}),
    },
  };
  return { config, warnings };
}

function emptyConfig(file: string): VipdConfig {
  return {
    source: { kind: 'k0s', file },
    files: [file],
    global: defaultGlobal(),
    vrrpScripts: [],
    trackFiles: [],
    trackProcesses: [],
    vrrpSyncGroups: [],
    vrrpInstances: [],
    virtualServerGroups: [],
    virtualServers: [],
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getIn(v: unknown, p: Array<string | number>): unknown {
  let cur = v;
  for (const k of p) {
    if (!isObject(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

function fieldPath(base: string, p: Array<string | number>): string {
  let out = base;
  for (const k of p) out += typeof k === 'number' ? `[${k}]` : `.${k}`;
  return out;
}

/** Line of the node at `p`, or of its nearest existing ancestor (the key's line for scalars). */
function lineOf(doc: Document, lc: LineCounter, p: Array<string | number>): number {
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}

function parseCidrText(text: string): { address: string; prefixLength: number; family: 4 | 6 } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m || !isIp(m[1]!) || m[1]!.includes('%')) return undefined;
  const family: 4 | 6 = isIPv4(m[1]!) ? 4 : 6;
  const prefixLength = Number(m[2]);
  if (prefixLength > (family === 4 ? 32 : 128)) return undefined;
  return { address: m[1]!, prefixLength, family };
}
