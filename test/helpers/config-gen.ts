// fast-check generators of whole configurations: keepalived.conf text with every block the daemon
// runs (global_defs, vrrp_script, vrrp_instance, vrrp_sync_group, virtual_server_group,
// virtual_server, real_server, checkers) and k0s controlPlaneLoadBalancing YAML. Values come from
// sets with the usual, the boundary and the wrong, so that many texts parse and many do not.
import fc from 'fast-check';

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
/** Mostly one of `good`, now and then one of `bad`: each file has many values, most must be right. */
const vals = (good: string[], bad: string[] = []) => (bad.length
  ? fc.oneof({ weight: 24, arbitrary: pick(...good) }, { weight: 1, arbitrary: pick(...bad) }) : pick(...good));
const opt = (a: fc.Arbitrary<string>) => fc.option(a, { nil: '' });
const lines = (a: fc.Arbitrary<string[]>) => a.map((l) => l.filter(Boolean).join('\n'));

const IFACES = ['eth0', 'eth1', 'bond0.100'];
const V4 = ['10.0.0.10', '10.0.0.11', '10.0.1.1', '10.255.255.254', '10.0.0.0'];
const V6 = ['fd00::10', 'fd00::11', 'fd00:1::1', 'fe80::10'];

/** One VIP of a family (now and then of the other, which the parser must reject). */
const vip = (family: 4 | 6) => fc.tuple(
  vals(family === 4 ? V4 : V6, family === 4 ? V6 : V4).chain((a) => (a.includes(':')
    ? vals([a, `${a}/64`, `${a}/128`], [`${a}/129`]) : vals([a, `${a}/24`, `${a}/32`, `${a}/8`, `${a}/0`], [`${a}/33`]))),
  opt(pick(...IFACES.map((i) => `dev ${i}`))), opt(pick('label eth0:vip', 'scope link', 'scope host', 'no_track')),
).map((p) => p.filter(Boolean).join(' '));

const script = pick('/bin/true', '/usr/bin/test -e /nonexistent', 'https://127.0.0.1:6443/readyz', 'tcp://127.0.0.1:6443', 'tcp://[::1]:80', '"/bin/sh -c exit"');

const vrrpScript = (name: string) => lines(fc.tuple(
  script.map((s) => `  script ${s.startsWith('"') ? s : `"${s}"`}`),
  opt(vals(['0.1', '1', '2'], ['0', '-1']).map((v) => `  interval ${v}`)),
  opt(pick('1', '3', '0.5').map((v) => `  timeout ${v}`)),
  opt(vals(['0', '-20', '20', '253', '-253', '-20 reverse'], ['254']).map((v) => `  weight ${v}`)),
  opt(vals(['1', '3'], ['0']).map((v) => `  rise ${v}`)),
  opt(vals(['1', '2'], ['0']).map((v) => `  fall ${v}`)),
  opt(pick('  init_fail')),
).map((l) => [...l])).map((body) => `vrrp_script ${name} {\n${body}\n}`);

const notify = pick('notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify')
  .chain((k) => pick('"/bin/true"', '"/bin/echo x y"', "'/bin/true' root").map((v) => `  ${k} ${v}`));

function vrrpInstance(name: string, scripts: string[]): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(4 as const) }, { weight: 1, arbitrary: fc.constant(6 as const) }).chain((family) => {
    const own = family === 4 ? V4 : V6;
    const other = family === 4 ? V6 : V4;
    return lines(fc.tuple(
      pick('MASTER', 'BACKUP').map((s) => `  state ${s}`),
      pick(...IFACES).map((i) => `  interface ${i}`),
      vals(['1', '51', '52', '255'], ['0', '256']).map((v) => `  virtual_router_id ${v}`),
      opt(vals(['1', '100', '150', '254', '255'], ['0']).map((v) => `  priority ${v}`)),
      opt(vals(['1', '3', '0.1', '0.01', '255', '40.95', '2.5'], ['0']).map((v) => `  advert_int ${v}`)),
      opt(pick('2', '3').map((v) => `  version ${v}`)),
      opt(pick('  nopreempt', '  preempt_delay 2', '  preempt_delay 0', '  accept', '  no_accept')),
      opt(vals(['PASS secret', 'PASS 12345678', 'AH secret'], ['PASS 123456789']).map((a) => {
        const [type, pass] = a.split(' ');
        return `  authentication {\n    auth_type ${type}\n    auth_pass ${pass}\n  }`;
      })),
      fc.array(vip(family), { minLength: 0, maxLength: 3 }).map((vs) => `  virtual_ipaddress {\n${vs.map((v) => `    ${v}`).join('\n')}\n  }`),
      opt(fc.array(vip(family), { minLength: 1, maxLength: 2 }).map((vs) => `  virtual_ipaddress_excluded {\n${vs.map((v) => `    ${v}`).join('\n')}\n  }`)),
      opt(vals(own, other).map((a) => `  unicast_src_ip ${a}`)),
      opt(fc.array(vals([...own, ...(family === 4 ? ['10.0.0.2 min_ttl 1'] : [])], other), { minLength: 1, maxLength: 3 })
        .map((ps) => `  unicast_peer {\n${ps.map((p) => `    ${p}`).join('\n')}\n  }`)),
      opt(fc.array(pick(...IFACES, 'eth1 weight 10', 'eth0 weight -20', 'eth1 weight 0 reverse'), { minLength: 1, maxLength: 2 })
        .map((ts) => `  track_interface {\n${ts.map((x) => `    ${x}`).join('\n')}\n  }`)),
      scripts.length ? opt(fc.subarray(scripts, { minLength: 1 }).chain((ss) => fc.tuple(...ss.map((s) => pick(s, `${s} weight -30`, `${s} weight 0`, `${s} reverse`))))
        .map((ts) => `  track_script {\n${ts.map((x) => `    ${x}`).join('\n')}\n  }`)) : fc.constant(''),
      fc.array(notify, { maxLength: 2 }).map((n) => n.join('\n')),
      opt(pick('  garp_master_delay 0', '  garp_master_delay 10', '  garp_master_repeat 3', '  garp_master_refresh 5', '  garp_lower_prio_delay 1')),
    ).map((l) => [...l])).map((body) => `vrrp_instance ${name} {\n${body}\n}`);
  });
}

const checker = fc.oneof(
  lines(fc.tuple(opt(vals(['6443', '80'], ['0', '70000']).map((p) => `      connect_port ${p}`)), opt(vals(['3', '0.5'], ['0']).map((v) => `      connect_timeout ${v}`)),
    opt(pick('1', '0').map((v) => `      retry ${v}`)), opt(pick('0', '5').map((v) => `      warmup ${v}`)),
    opt(vals(V4, ['fd00::1']).map((a) => `      connect_ip ${a}`))).map((l) => [...l])).map((b) => `    TCP_CHECK {\n${b}\n    }`),
  fc.tuple(pick('HTTP_GET', 'SSL_GET'), pick('/', '/readyz', '/health?x=1'), opt(vals(['200', '200-299', '500'], ['x']).map((c) => `        status_code ${c}`)),
    opt(vals(['0123456789abcdef0123456789abcdef'], ['nothex']).map((d) => `        digest ${d}`)))
    .map(([type, path, code, digest]) => `    ${type} {\n      url {\n        path ${path}\n${[code, digest].filter(Boolean).join('\n')}\n      }\n    }`),
  pick('    MISC_CHECK {\n      misc_path "/bin/true"\n    }'),
);

const realServer = fc.tuple(vals(V4, ['fd00::20', '224.0.0.1']), pick('6443', '', '80'),
  opt(vals(['0', '1', '100'], ['-1']).map((w) => `    weight ${w}`)), opt(pick('    inhibit_on_failure')),
  opt(pick('    notify_up "/bin/true"', '    notify_down "/bin/true"')), fc.array(checker, { maxLength: 2 }),
  opt(pick('    uthreshold 10', '    lthreshold 5')))
  .map(([a, port, ...rest]) => `  real_server ${a}${port ? ` ${port}` : ''} {\n${rest.flat().filter(Boolean).join('\n')}\n  }`);

function virtualServer(groups: string[]): fc.Arbitrary<string> {
  return fc.tuple(
    fc.oneof(
      fc.tuple(vals(V4, ['fd00::10']), vals(['6443', '80', '65535'], ['0'])).map(([a, p]) => `${a} ${p}`),
      vals(['fwmark 1', 'fwmark 4294967295'], ['fwmark 0']),
      ...(groups.length ? [pick(...groups).map((g) => `group ${g}`)] : []),
    ),
    lines(fc.tuple(
      opt(vals(['1', '60', '1.5', '6e+01'], ['0']).map((v) => `  delay_loop ${v}`)),
      opt(pick('rr', 'wrr', 'wlc', 'sh', 'mh', 'twos', 'fo').map((v) => `  lb_algo ${v}`)),
      opt(pick('NAT', 'DR', 'TUN').map((v) => `  lb_kind ${v}`)),
      opt(pick('TCP', 'UDP', 'SCTP').map((v) => `  protocol ${v}`)),
      opt(vals(['', '360', '2678400'], ['0']).map((v) => `  persistence_timeout ${v}`.trimEnd())),
      opt(vals(['24', '32', '255.255.255.0'], ['255.255.0.255', 'foo', '129']).map((v) => `  persistence_granularity ${v}`)),
      opt(pick('  ops', '  alpha', '  omega', '  inhibit_on_failure', '  quorum 2', '  hysteresis 1', '  sh-port', '  flag-1')),
      opt(pick(...V4).map((a) => `  sorry_server ${a} 80`)),
      opt(pick('  virtualhost example.org')),
      fc.array(realServer, { maxLength: 3 }).map((r) => r.join('\n')),
    ).map((l) => [...l])),
  ).map(([target, body]) => `virtual_server ${target} {\n${body}\n}`);
}

const vsGroup = (name: string) => fc.array(vals(['10.0.0.1 80', '10.0.0.1-5 80', 'fd00::1 80', 'fwmark 7'], ['10.0.0.250-10 80', '10.0.0.9']), { minLength: 1, maxLength: 3 })
  .map((es) => `virtual_server_group ${name} {\n${es.map((e) => `  ${e}`).join('\n')}\n}`);

const globalDefs = lines(fc.tuple(
  opt(pick('2', '3').map((v) => `  vrrp_version ${v}`)), opt(pick('  lvs_flush')), opt(pick('  lvs_flush_onstop', '  lvs_flush_onstop VS')),
  opt(pick('0', '0.5').map((v) => `  vrrp_garp_interval ${v}`)), opt(vals(['  vrrp_skip_check_adv_addr', '  enable_script_security'], ['  vrrp_strict'])),
  opt(pick('10', '0').map((v) => `  vrrp_garp_master_delay ${v}`)), opt(pick('  router_id node1')),
).map((l) => [...l])).map((b) => (b ? `global_defs {\n${b}\n}` : ''));

/** A keepalived.conf: blocks in an arbitrary order, names that refer to each other. */
export const keepalivedConf: fc.Arbitrary<string> = fc.record({
  nScripts: fc.integer({ min: 0, max: 2 }), nInstances: fc.integer({ min: 0, max: 3 }), nGroups: fc.integer({ min: 0, max: 1 }),
  nVs: fc.integer({ min: 0, max: 2 }), sync: fc.boolean(),
}).chain((n) => {
  const scripts = Array.from({ length: n.nScripts }, (_, i) => `chk${i}`);
  const instances = Array.from({ length: n.nInstances }, (_, i) => `VI_${i}`);
  const groups = Array.from({ length: n.nGroups }, (_, i) => `G${i}`);
  return fc.tuple(
    globalDefs,
    fc.tuple(...scripts.map(vrrpScript)),
    fc.tuple(...instances.map((name) => vrrpInstance(name, scripts))),
    n.sync && instances.length > 1 ? fc.subarray(instances, { minLength: 2 }).map((m) => `vrrp_sync_group SG {\n  group {\n${m.map((x) => `    ${x}`).join('\n')}\n  }\n}`) : fc.constant(''),
    fc.tuple(...groups.map(vsGroup)),
    fc.array(virtualServer(groups), { minLength: n.nVs, maxLength: n.nVs }),
  ).chain((parts) => fc.shuffledSubarray(parts.flat().filter(Boolean), { minLength: parts.flat().filter(Boolean).length }))
    .map((blocks) => `${blocks.join('\n')}\n`);
});

const yamlValue = (xs: string[]) => pick(...xs);

/** k0s controlPlaneLoadBalancing YAML with instances and virtual servers. */
export const k0sYaml: fc.Arbitrary<string> = fc.tuple(
  fc.array(fc.tuple(
    fc.array(vals(['10.0.0.200/24', 'fd00::200/64', '10.0.0.201/32'], ['10.0.0.200/33', 'x']), { minLength: 1, maxLength: 2 }),
    vals(['k0s', '12345678'], ['123456789', '']),
    fc.option(yamlValue(['eth0', 'eth1', '02:00:00:00:00:02']), { nil: undefined }),
    fc.option(vals(['1', '51', '255'], ['0']), { nil: undefined }),
    fc.option(vals(['1', '3'], ['0']), { nil: undefined }),
    fc.option(fc.array(yamlValue(['10.0.0.2', '10.0.0.3', 'fd00::2']), { maxLength: 2 }), { nil: undefined }),
  ), { minLength: 1, maxLength: 2 }),
  fc.array(fc.tuple(yamlValue(['10.0.0.200', 'fd00::200', '10.0.0.9']), fc.option(yamlValue(['1m', '30s', '0s', '1.5m']), { nil: undefined }),
    fc.option(vals(['rr', 'wlc'], ['bogus']), { nil: undefined }), fc.option(yamlValue(['DR', 'NAT']), { nil: undefined }),
    fc.option(vals(['1', '360'], ['0']), { nil: undefined })), { maxLength: 2 }),
).map(([instances, servers]) => {
  let y = 'controlPlaneLoadBalancing:\n  enabled: true\n  keepalived:\n    vrrpInstances:\n';
  for (const [vips, pass, iface, vrid, adv, peers] of instances) {
    y += `      - virtualIPs: [${vips.map((v) => JSON.stringify(v)).join(', ')}]\n        authPass: ${JSON.stringify(pass)}\n`;
    if (iface) y += `        interface: ${JSON.stringify(iface)}\n`;
    if (vrid) y += `        virtualRouterID: ${vrid}\n`;
    if (adv) y += `        advertIntervalSeconds: ${adv}\n`;
    if (peers) y += `        unicastPeers: [${peers.map((p) => JSON.stringify(p)).join(', ')}]\n        unicastSourceIP: "10.0.0.1"\n`;
  }
  if (servers.length) {
    y += '    virtualServers:\n';
    for (const [ip, delay, algo, kind, pt] of servers) {
      y += `      - ipAddress: ${JSON.stringify(ip)}\n`;
      if (delay) y += `        delayLoop: ${delay}\n`;
      if (algo) y += `        lbAlgo: ${algo}\n`;
      if (kind) y += `        lbKind: ${kind}\n`;
      if (pt) y += `        persistenceTimeoutSeconds: ${pt}\n`;
    }
  }
  return y;
});
