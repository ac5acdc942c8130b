// The pure parts of the test harness: what requireEnv reports missing, and the pcap reader.
import t from 'tap';
import { missingNeeds, isCi } from '../helpers/require.js';
import { parsePcap } from '../helpers/netns-lab.js';

t.test('missingNeeds names what is missing and how to install it', async (t) => {
  t.same(missingNeeds({}), []);
  t.same(missingNeeds({ commands: ['sh'] }), []);
  const m = missingNeeds({ commands: ['tshark-does-not-exist', 'sh'] });
  t.equal(m.length, 1);
  t.match(m[0], /command "tshark-does-not-exist"/);
  t.match(missingNeeds({ commands: ['/nonexistent/keepalived'] })[0], /install it/);
});

t.test('isCi', async (t) => {
  const saved = process.env.CI;
  t.teardown(() => {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  });
  process.env.CI = 'true';
  t.ok(isCi());
  process.env.CI = 'false';
  t.notOk(isCi());
  delete process.env.CI;
  t.notOk(isCi());
});

t.test('parsePcap reads classic little-endian pcap', async (t) => {
  const header = Buffer.from('d4c3b2a1020004000000000000000000000004000100000000', 'hex').subarray(0, 24);
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(1700000000, 0);
  rec.writeUInt32LE(500000, 4);
  rec.writeUInt32LE(3, 8);
  rec.writeUInt32LE(3, 12);
  const file = Buffer.concat([header, rec, Buffer.from([1, 2, 3]), rec.subarray(0, 10)]);
  const p = parsePcap(file);
  t.equal(p.length, 1, 'a partial trailing record is ignored');
  t.equal(p[0]?.time, 1700000000.5);
  t.same([...p[0]!.data], [1, 2, 3]);
  t.same(parsePcap(Buffer.alloc(0)), []);
  t.throws(() => parsePcap(Buffer.alloc(24, 7)), /not a pcap/);
});
