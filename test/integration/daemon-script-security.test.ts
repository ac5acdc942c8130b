// enable_script_security as a keepalived user relies on it: a script that runs as root and that
// anyone could change (mode 0777) is never run. Here the insecure notify_master does not run while
// the safe notify_backup does, and an insecure track script that would fail is disabled (so the
// instance still becomes master). keepalived 2.2.7 runs the same configuration next to it: both
// log the same refusal.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { startKeepalived } from '../helpers/keepalived-peer.js';
import { k0sFlags, sleep, startVipd, vipHolders } from '../helpers/daemon-lab.js';

const KEEPALIVED = '/usr/sbin/keepalived';

function conf(dir: string, vip: string): string {
  return `
global_defs {
    enable_script_security
    script_user root
}
vrrp_script chk_insecure {
    script ${join(dir, 'check.sh')}
    interval 0.2
    fall 1
    rise 1
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 68
    priority 100
    advert_int 0.2
    version 3
    virtual_ipaddress {
        ${vip}/24
    }
    track_script {
        chk_insecure
    }
    notify_master ${join(dir, 'unsafe.sh')}
    notify_backup ${join(dir, 'safe.sh')}
}
`;
}

function scripts(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const script = (name: string, body: string, mode: number) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), mode);
  };
  script('unsafe.sh', `touch ${join(dir, 'unsafe-ran')}`, 0o777);
  script('safe.sh', `touch ${join(dir, 'safe-ran')}`, 0o755);
  script('check.sh', 'exit 1', 0o777);
}

t.test('enable_script_security refuses a world-writable script, as keepalived does', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', KEEPALIVED] })) return;
  const lab = await createLan(t, ['vd', 'ka']);
  const [vd, ka] = lab.nodes as [LabNode, LabNode];
  // The two share a LAN: keepalived's instance has a VRID (and VIP) of its own, so each is alone in its election.
  const vdDir = join(lab.dir, 'vd');
  const kaDir = join(lab.dir, 'ka');
  scripts(vdDir);
  scripts(kaDir);
  const vip = vd.ipv4.replace(/\.\d+$/, '.208');
  writeFileSync(join(vdDir, 'keepalived.conf'), conf(vdDir, vip));
  const p = startVipd(vd, k0sFlags(join(vdDir, 'keepalived.conf')), { statusSocket: join(vdDir, 'vipd.sock') });
  const k = startKeepalived(KEEPALIVED, lab, ka, conf(kaDir, ka.ipv4.replace(/\.\d+$/, '.209')).replace('virtual_router_id 68', 'virtual_router_id 69'), 'oracle');

  await p.waitState('master', 8000, 'VI_1');
  await waitFor(async () => (await vipHolders([vd], vip)).length === 1, { timeoutMs: 3000, message: 'vipd holds the VIP' });
  t.pass('the insecure track script (which would fail) is disabled: the instance became master');
  await waitFor(() => existsSync(join(vdDir, 'safe-ran')) || undefined, { timeoutMs: 3000, message: 'the safe notify_backup ran' });
  await sleep(800);
  t.notOk(existsSync(join(vdDir, 'unsafe-ran')), 'the world-writable notify_master did not run');
  const said = (m: RegExp) => p.log.lines.some((l) => m.test(String(l.msg)));
  const unsafe = (f: string) => new RegExp(`Unsafe permissions found for script '${f.replace(/[.]/g, '\\.')}' - disabling\\.`);
  t.ok(said(unsafe(join(vdDir, 'unsafe.sh'))), 'vipd logs the refusal of the notify script');
  t.ok(said(unsafe(join(vdDir, 'check.sh'))) && said(/Disabling track script chk_insecure due to insecure/), 'and of the track script');

  await waitFor(() => /Unsafe permissions found for script/.test(k.log()) || undefined, { timeoutMs: 5000, message: 'keepalived logs its refusal' });
  await sleep(1500);
  t.match(k.log(), unsafe(join(kaDir, 'unsafe.sh')), 'keepalived refuses the notify script with the same words');
  t.match(k.log(), /Disabling track script chk_insecure due to insecure/, 'and the track script');
  t.notOk(existsSync(join(kaDir, 'unsafe-ran')), 'keepalived did not run it either');
});

t.test('script_user and notify `user`: who the scripts run as', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'id'] })) return;
  const lab = await createLan(t, ['vd']);
  const [vd] = lab.nodes as [LabNode];
  // Readable and searchable by nobody; the output directory writable by anyone.
  const dir = join(lab.dir, 'scripts');
  const out = join(lab.dir, 'out');
  mkdirSync(dir, { recursive: true });
  mkdirSync(out, { recursive: true });
  chmodSync(lab.dir, 0o755);
  chmodSync(out, 0o1777);
  writeFileSync(join(dir, 'id.sh'), `#!/bin/sh\nid -u > ${out}/$1\n`);
  chmodSync(join(dir, 'id.sh'), 0o755);
  const vip = vd.ipv4.replace(/\.\d+$/, '.213');
  writeFileSync(join(dir, 'keepalived.conf'), `
global_defs {
    script_user nobody
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 70
    priority 100
    advert_int 0.2
    version 3
    virtual_ipaddress {
        ${vip}/24
    }
    notify_backup "${join(dir, 'id.sh')} backup"
    notify_master "${join(dir, 'id.sh')} master" root
}
`);
  const p = startVipd(vd, k0sFlags(join(dir, 'keepalived.conf')), { statusSocket: join(lab.dir, 'vipd.sock') });
  await p.waitState('master', 8000, 'VI_1');
  const uid = (f: string) => waitFor(() => (existsSync(join(out, f)) ? readFileSync(join(out, f), 'utf8').trim() || undefined : undefined),
    { timeoutMs: 3000, message: `${f} ran` });
  const nobody = String((await vd.exec(['id', '-u', 'nobody'])).stdout.trim());
  t.equal(await uid('backup'), nobody, 'without a user: script_user (nobody)');
  t.equal(await uid('master'), '0', 'notify_master ... root: as root');
});
