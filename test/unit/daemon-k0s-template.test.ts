// The daemon tests write k0s's keepalived.conf with the renderer in test/helpers/k0s-template.ts.
// Here that renderer is held to k0s's real output: test/fixtures/k0s-template/ holds what k0s's
// own templates (pkg/component/controller/cplb/cplb_templates.go, rendered by render.go there)
// write for the inputs in cases.json. And vipd, reading k0s's output, gets every instance, VIP,
// peer, password, notify command, include and virtual server k0s asked for.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadKeepalivedConfig } from '../../src/config/index.js';
import { k0sNotify, renderK0sKeepalived, renderK0sVirtualServers, type K0sTemplate, type K0sVirtualServer } from '../helpers/k0s-template.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/k0s-template');

/** cases.json: the data k0s executes its templates with (k0s's field names). */
interface K0sCase {
  name: string;
  about: string;
  vrrp: {
    IPVSLoadBalancer: boolean; K0sBin: string; RunDir: string;
    VRRPInstances: Array<{
      Interface: string; VirtualRouterID: number; AdvertIntervalSeconds: number; AuthPass: string; VirtualIPs: string[];
      UnicastSourceIP?: string; UnicastPeers?: string[];
    }>;
  };
  virtualServers: {
    APIServerPort: number; RealServers: string[];
    VirtualServers: Array<{ IPAddress: string; DelayLoopSeconds: number; LBAlgo: string; LBKind: string; PersistenceTimeoutSeconds: number }>;
  };
}

const cases = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as K0sCase[];
const golden = (c: K0sCase, kind: 'keepalived' | 'virtualservers') => readFileSync(path.join(dir, `${c.name}.${kind}.conf`), 'utf8');

/** The renderer's inputs for a k0s case. */
function template(c: K0sCase): K0sTemplate {
  const v = c.vrrp;
  return {
    instances: v.VRRPInstances.map((i) => ({
      interface: i.Interface, vrid: i.VirtualRouterID, authPass: i.AuthPass, vips: i.VirtualIPs, advertInt: i.AdvertIntervalSeconds,
      ...(i.UnicastPeers?.length ? { unicastSrcIp: i.UnicastSourceIP!, unicastPeers: i.UnicastPeers } : {}),
    })),
    ...(v.IPVSLoadBalancer && v.VRRPInstances.length === 1 ? { notify: k0sNotify(v.K0sBin, v.RunDir) } : {}),
    virtualServers: v.IPVSLoadBalancer,
  };
}

function virtualServers(c: K0sCase): K0sVirtualServer[] {
  const v = c.virtualServers;
  return v.VirtualServers.map((s) => ({
    ipAddress: s.IPAddress, delayLoop: String(s.DelayLoopSeconds), lbAlgo: s.LBAlgo, lbKind: s.LBKind,
    persistenceTimeout: s.PersistenceTimeoutSeconds, port: v.APIServerPort, realServers: v.RealServers,
  }));
}

t.test('the renderer writes what k0s writes', async (t) => {
  for (const c of cases) {
    t.equal(renderK0sKeepalived(template(c)), golden(c, 'keepalived'), `${c.name}: keepalived.conf (${c.about})`);
    t.equal(renderK0sVirtualServers(virtualServers(c)), golden(c, 'virtualservers'), `${c.name}: keepalived-virtualservers-generated.conf`);
  }
});

t.test('vipd reads everything k0s asked for', async (t) => {
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const d = mkdtempSync(path.join(tmpdir(), 'vipd-k0s-template-'));
      t.teardown(() => rmSync(d, { recursive: true, force: true }));
      const one = c.vrrp.VRRPInstances.length === 1;
      const included = `keepalived-virtualservers-${one ? 'consumed' : 'generated'}.conf`;
      const conf = path.join(d, 'keepalived.conf');
      writeFileSync(conf, golden(c, 'keepalived'));
      // On MASTER k0s points the consumed file at the generated one.
      writeFileSync(path.join(d, included), golden(c, 'virtualservers'));
      const { config, warnings } = loadKeepalivedConfig(conf);
      t.same(warnings, [], 'no warning');

      t.equal(config.vrrpInstances.length, c.vrrp.VRRPInstances.length, 'every instance');
      for (const [n, want] of c.vrrp.VRRPInstances.entries()) {
        const got = config.vrrpInstances[n]!;
        const name = `k0s-vip-${n}`;
        t.match(got, {
          name, state: 'BACKUP', interface: want.Interface, virtualRouterId: want.VirtualRouterID, priority: 200,
          advertIntervalCs: want.AdvertIntervalSeconds * 100, authentication: { type: 'PASS', pass: want.AuthPass },
        }, `${name}: identity, priority, interval, password`);
        t.same(got.virtualIpAddresses.map((a) => `${a.address}/${a.prefixLength}`), want.VirtualIPs, `${name}: VIPs`);
        t.equal(got.unicastSrcIp, want.UnicastPeers?.length ? want.UnicastSourceIP : undefined, `${name}: unicast source`);
        t.same(got.unicastPeers.map((p) => p.address), want.UnicastPeers ?? [], `${name}: unicast peers`);
        const setState = (s: string) => [c.vrrp.K0sBin, 'keepalived-setstate', '-r', c.vrrp.RunDir, '-s', s];
        if (c.vrrp.IPVSLoadBalancer && one) {
          t.same(got.notifyMaster?.argv, setState('MASTER'), `${name}: notify_master`);
          t.same(got.notifyBackup?.argv, setState('BACKUP'), `${name}: notify_backup`);
        } else {
          t.equal(got.notifyMaster, undefined, `${name}: no notify_master`);
          t.equal(got.notifyBackup, undefined, `${name}: no notify_backup`);
        }
      }

      t.equal(config.files.includes(path.join(d, included)), c.vrrp.IPVSLoadBalancer, c.vrrp.IPVSLoadBalancer ? `includes ${included}` : 'no include');
      const vs = c.vrrp.IPVSLoadBalancer && c.virtualServers.RealServers.length > 0 ? c.virtualServers.VirtualServers : [];
      t.equal(config.virtualServers.length, vs.length, 'every virtual server');
      const port = c.virtualServers.APIServerPort;
      for (const [n, want] of vs.entries()) {
        const got = config.virtualServers[n]!;
        t.match(got, {
          target: { kind: 'address', address: want.IPAddress, port }, delayLoop: want.DelayLoopSeconds, scheduler: want.LBAlgo,
          method: want.LBKind, persistenceTimeout: want.PersistenceTimeoutSeconds, protocol: 'TCP',
        }, `${want.IPAddress}: service`);
        t.same(got.realServers.map((r) => `${r.address}:${r.port} weight ${r.weight}`), c.virtualServers.RealServers.map((a) => `${a}:${port} weight 1`), `${want.IPAddress}: real servers`);
        for (const r of got.realServers) {
          t.match(r.checkers, [{ type: 'TCP_CHECK', connectPort: port, connectTimeout: 3, retry: 1, warmup: 0 }], `${want.IPAddress} -> ${r.address}: TCP_CHECK`);
        }
      }
    });
  }
});
