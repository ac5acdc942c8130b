// The daemon tests render k0s's keepalived.conf template with lab addresses
// (test/helpers/daemon-lab.ts). This checks the renderer produces byte for byte the files in
// test/fixtures/config/k0s-* (k0s's template output), so the lab runs what k0s really writes.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { renderK0sKeepalived, renderK0sVirtualServers } from '../helpers/daemon-lab.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/config');
const fixture = (f: string) => readFileSync(path.join(dir, f), 'utf8');
const NOTIFY = {
  master: "'/usr/local/bin/k0s' keepalived-setstate -r '/run/k0s' -s MASTER",
  backup: "'/usr/local/bin/k0s' keepalived-setstate -r '/run/k0s' -s BACKUP",
};

t.test('single instance with notify scripts and the consumed include', async (t) => {
  t.equal(renderK0sKeepalived({
    instances: [{ interface: 'eth0', vrid: 51, authPass: 'Example1', vips: ['192.168.122.200/24'] }],
    notify: NOTIFY, virtualServers: true,
  }), fixture('k0s-single-backup/keepalived.conf'));
});

t.test('several instances include the generated file', async (t) => {
  t.equal(renderK0sKeepalived({
    instances: [
      { interface: 'eth0', vrid: 51, authPass: 'Example1', vips: ['10.10.0.100/24'] },
      { interface: 'eth1', vrid: 52, authPass: 'Example2', vips: ['fd00:10::100/64'], advertInt: 2 },
    ],
    virtualServers: true,
  }), fixture('k0s-multi/keepalived.conf'));
});

t.test('unicast, no virtual servers', async (t) => {
  t.equal(renderK0sKeepalived({
    instances: [{ interface: 'ens3', vrid: 77, authPass: 's3cr3t', vips: ['10.20.0.200/24'], unicastSrcIp: '10.20.0.11', unicastPeers: ['10.20.0.12', '10.20.0.13'] }],
    virtualServers: false,
  }), fixture('k0s-unicast/keepalived.conf'));
});

t.test('generated virtual servers', async (t) => {
  t.equal(renderK0sVirtualServers([{ ipAddress: '192.168.122.200', delayLoop: '60', realServers: ['192.168.122.37', '192.168.122.38', '192.168.122.39'] }]),
    fixture('k0s-single-backup/keepalived-virtualservers-generated.conf'));
  t.equal(renderK0sVirtualServers([
    { ipAddress: '10.10.0.100', delayLoop: '1.5', lbAlgo: 'wlc', realServers: ['10.10.0.11'] },
    { ipAddress: '10.10.0.101', delayLoop: '6e+01', lbKind: 'NAT', persistenceTimeout: 60, realServers: ['10.10.0.11'] },
  ]).slice(0, 200), fixture('k0s-multi/keepalived-virtualservers-generated.conf').slice(0, 200));
});
