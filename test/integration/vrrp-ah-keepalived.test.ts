// auth_type AH (VRRPv2 inside an IPsec AH, HMAC-MD5-96) against keepalived 2.2.7 and 2.4.3, both
// ways: keepalived follows vipd as master and takes over on its priority 0, vipd follows keepalived,
// each side's sequence numbers carry on from the other's (keepalived drops one at or below its
// counter), and a wrong password is an auth failure on our side.
import t, { type Test } from 'tap';
import { createLan, stopProcess, waitFor, type Lab } from '../helpers/netns-lab.js';
import { requireEnv, which } from '../helpers/require.js';
import { requireKeepalived243, startKeepalived, type KeepalivedProc } from '../helpers/keepalived-peer.js';
import { labAddress, startVrrpNode, vrrpInstance, type VrrpProc } from '../helpers/vrrp-lab.js';

const VRID = 44;

function conf(vips: string[], priority: number): string {
  return [
    'global_defs {', '  vrrp_garp_master_delay 0', '  vrrp_garp_master_repeat 1', '}',
    'vrrp_instance VI {', '  state BACKUP', '  interface eth0', `  virtual_router_id ${VRID}`, `  priority ${priority}`, '  advert_int 1',
    '  authentication {', '    auth_type AH', '    auth_pass secret12', '  }',
    '  virtual_ipaddress {', ...vips.map((v) => `    ${v}/24`), '  }', '}', '',
  ].join('\n');
}

async function interop(t: Test, bin: string, lab: Lab, tag: string): Promise<void> {
  const [v, k] = [lab.node('v'), lab.node('k')];
  const vips = [labAddress(lab, 4, 100), labAddress(lab, 4, 101)];
  const vipd = (priority: number, password = 'secret12'): VrrpProc => startVrrpNode(v, [vrrpInstance({
    vrid: VRID, version: 2, advertIntervalCs: 100, priority, auth: { type: 'ah', password }, virtualAddresses: vips.map((a) => ({ address: a, prefixLength: 24 })),
  })]);
  const ka: KeepalivedProc = startKeepalived(bin, lab, k, conf(vips, 100), tag);
  const lastState = () => ka.log().split('\n').filter((l) => /\(VI\) Entering (MASTER|BACKUP) STATE/.test(l)).at(-1) ?? '';
  let p = vipd(200);
  try {
    await p.waitState('master', 10_000);
    // Either keepalived went master first and backs off, or vipd's adverts reached it first and it
    // never left BACKUP (which side's Master_Down_Interval ends first is a race).
    await waitFor(() => /BACKUP/.test(lastState()) && (ka.log().includes('higher priority 200') || !ka.log().includes('Entering MASTER STATE')), { timeoutMs: 5000, message: 'keepalived backs off' });
    await new Promise((r) => setTimeout(r, 1500));
    await new Promise((r) => setTimeout(r, 2500));
    t.match(lastState(), /BACKUP/, `${tag}: keepalived takes vipd's AH adverts (it stays backup)`);
    t.notMatch(ka.log(), /IPSEC-AH|invalid|authentication/i, `${tag}: and finds nothing wrong with them`);

    p.child.kill('SIGTERM');
    await p.out.next((x) => x.event === 'stopped', 8000);
    await waitFor(() => ka.log().includes('Backup received priority 0 advertisement') && /MASTER/.test(lastState()), { timeoutMs: 8000, message: 'keepalived takes over on our priority 0' });
    t.pass(`${tag}: vipd's priority 0 (in AH) hands over at once`);

    p = vipd(50);
    await waitFor(async () => (await p.instance()).stats.rcvdAdvertisements >= 3, { timeoutMs: 8000, message: 'vipd hears keepalived' });
    t.match(await p.instance(), { state: 'backup', master: k.ipv4 }, `${tag}: vipd follows keepalived's AH adverts`);
    const drops = p.out.lines.filter((l) => l.event === 'drop' && l.reason !== 'own-advert');
    t.same(drops, [], `${tag}: and drops none of them (its sequence numbers start above ours)`);
    p.child.kill('SIGTERM');
    await p.out.next((x) => x.event === 'stopped', 8000);

    p = vipd(50, 'wrongpw');
    await p.out.next((l) => l.event === 'drop' && l.reason === 'auth-failure', 5000);
    t.pass(`${tag}: under another password keepalived's adverts are auth failures`);
    p.child.kill('SIGTERM');
    await p.out.next((x) => x.event === 'stopped', 8000);
  } catch (err) {
    t.comment(`keepalived:\n${ka.log().slice(-3000)}\nvipd:\n${p.out.lines.map((x) => JSON.stringify(x)).join('\n')}`);
    throw err;
  } finally {
    await stopProcess(ka.child, 5000);
  }
}

t.test('AH with keepalived 2.2.7', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'keepalived'] })) return;
  const lab = await createLan(t, ['v', 'k']);
  await interop(t, which('keepalived')!, lab, '2.2.7');
});

t.test('AH with keepalived 2.4.3', async (t) => {
  const bin = await requireKeepalived243(t);
  if (!bin) return;
  const lab = await createLan(t, ['v', 'k']);
  await interop(t, bin, lab, '2.4.3');
});

