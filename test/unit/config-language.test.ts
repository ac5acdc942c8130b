// keepalived.conf's config language: @conditionals by config id, $definitions (one line and
// multi-line), substitution, ~SEQ/~SEQx/~LST. The expectations are what keepalived 2.2.7
// produced for the same text (`keepalived -i ID --dump-conf` in a namespace).
import t from 'tap';
import { MemoryConfigFs, parseKeepalivedConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

const TEXT = String.raw`$PRIO=150
@main $PRIO=240
$ADDR_BASE=10.2.${'$'}{SUB}
$SUB=7
$INST= \
vrrp_instance VI_${'$'}{NUM} { \
    interface eth0 \
    virtual_router_id ${'$'}{NUM} \
    priority $PRIO \
    @main advert_int 2 \
    virtual_ipaddress { \
        ${'$'}{ADDR_BASE}.${'$'}{NUM}/24 \
    } \
}
$NUM=1
$INST
$NUM=2
$INST
global_defs {
  @main router_id main_router
  @backup router_id backup_router
  @^main vrrp_garp_master_repeat 3
}
vrrp_instance VS {
  interface eth0
  virtual_router_id 100
  virtual_ipaddress {
    ~SEQ(A, 1, 3) 10.5.0.${'$'}{A}/24
    ~SEQx(B, 0x9, 2, 0xd) 10.9.0.1/24 label eth0:${'$'}{B}
    ~SEQ(C, 3) 10.6.0.${'$'}{C}/24
    ~LST({X, Y}, {1,2},{3,4}) 10.7.${'$'}{X}.${'$'}{Y}/24
  }
}
`;

const load = (configId: string, text = TEXT) => parseKeepalivedConfig(text, { file: '/etc/keepalived/k.conf', configId, fs: new MemoryConfigFs() });

t.test('conditionals, definitions, multi-line definitions and substitution follow the config id', async (t) => {
  const main = load('main').config;
  t.equal(main.global.routerId, 'main_router');
  t.equal(main.global.garpMasterRepeat, 5);
  t.strictSame(main.vrrpInstances.map((i) => [i.name, i.virtualRouterId, i.priority, i.advertIntervalCs, i.virtualIpAddresses.map((v) => v.address)]), [
    ['VI_1', 1, 240, 200, ['10.2.7.1']],
    ['VI_2', 2, 240, 200, ['10.2.7.2']],
    ['VS', 100, 100, 100, ['10.5.0.1', '10.5.0.2', '10.5.0.3', '10.9.0.1', '10.9.0.1', '10.9.0.1', '10.6.0.1', '10.6.0.2', '10.6.0.3', '10.7.1.2', '10.7.3.4']],
  ]);
  t.strictSame(main.vrrpInstances[2]!.virtualIpAddresses.slice(3, 6).map((v) => v.label), ['eth0:9', 'eth0:b', 'eth0:d'], '~SEQx counts in hex');
  const backup = load('backup').config;
  t.equal(backup.global.routerId, 'backup_router');
  t.equal(backup.global.garpMasterRepeat, 3, '@^main applies when the id is not main');
  t.strictSame(backup.vrrpInstances.map((i) => [i.name, i.priority, i.advertIntervalCs]), [['VI_1', 150, 100], ['VI_2', 150, 100], ['VS', 100, 100]]);
  const other = load('other').config;
  t.equal(other.global.routerId, undefined, 'no line for this id');
});

t.test('positions: lines made by a definition or ~SEQ point at the line that uses them', async (t) => {
  const { config } = load('main');
  t.strictSame(config.vrrpInstances.map((i) => i.where.line), [16, 18, 24]);
  t.strictSame(config.vrrpInstances[2]!.virtualIpAddresses.map((v) => v.where.line), [28, 28, 28, 29, 29, 29, 30, 30, 30, 31, 31]);
  t.throws(() => load('x', '$V= \\\nvrrp_instance X { \\\n  virtual_router_id 999 \\\n}\n$V\n'), { message: '/etc/keepalived/k.conf:5: virtual_router_id: 999 is out of range 1..255' });
});

t.test('undefined names stay; pre-defined ones', async (t) => {
  const text = String.raw`global_defs {
  router_id ${'$'}{_INSTANCE}-$UNDEF
}
vrrp_script s {
  script "${'$'}{_PWD}/check.sh ${'$'}{_HASH} ${'$'}{_BANG}"
  weight ${'$'}{_RANDOM 5 5}
}
`;
  const { config } = parseKeepalivedConfig(text, { file: '/etc/keepalived/k.conf', configId: 'node1' });
  t.equal(config.global.routerId, 'node1-$UNDEF');
  t.strictSame(config.vrrpScripts[0]!.script.argv, ['/etc/keepalived/check.sh', '#', '!']);
  t.equal(config.vrrpScripts[0]!.weight, 5);
});

t.test('$NAME is replaced when followed by whitespace or the end of the line, ${NAME} anywhere; values nest and may be redefined', async (t) => {
  const text = String.raw`$A=eth
$B=${'$'}{A}0
$IF_MAIN=@main
vrrp_instance V {
  interface $B
  virtual_router_id 1
  $IF_MAIN priority 240
  virtual_ipaddress {
    10.0.0.1/24 label $Bx
  }
}
`;
  const i = load('main', text).config.vrrpInstances[0]!;
  t.equal(i.interface, 'eth0');
  t.equal(i.priority, 240, 'a value may hold a conditional');
  t.equal(i.virtualIpAddresses[0]!.label, '$Bx', '$B followed by x is not a reference');
  t.equal(load('backup', text).config.vrrpInstances[0]!.priority, 100);
});

t.test('bad uses are ConfigErrors with file:line', async (t) => {
  const cases: Array<[string, string]> = [
    ['$A=${A}x\nglobal_defs {\n  router_id $A\n}\n', '/etc/keepalived/k.conf:3: definitions nest more than 100 deep (a definition that uses itself?)'],
    ['$A= \\\nvrrp_instance X { \\', '/etc/keepalived/k.conf:1: $A: the multi-line definition runs to the end of the file (its last line ends with \'\\\')'],
    ['~SEQ(A, 1, 0, 3) x\n', '/etc/keepalived/k.conf:1: ~SEQ(A, 1, 0, 3): step 0 never ends'],
    ['~SEQ(A, 1, x) y\n', "/etc/keepalived/k.conf:1: ~SEQ: end 'x' is not an integer"],
    ['~SEQ(1A, 3) y\n', '/etc/keepalived/k.conf:1: ~SEQ(1A, 3): expected (VAR, [START, [STEP,]] END)'],
    ['~SEQ(A, 3 y\n', "/etc/keepalived/k.conf:1: ~SEQ: missing ')'"],
    ['~LST({A, B}, {1}) y\n', '/etc/keepalived/k.conf:1: ~LST({A, B}, {1}): {1} does not give 2 values'],
  ];
  for (const [text, message] of cases) {
    t.throws(() => load('main', text), new ConfigError(message.replace(/^\S+:\d+: /, ''), { file: '/etc/keepalived/k.conf', line: Number(/:(\d+):/.exec(message)![1]) }), message);
  }
});

t.test('definitions carry into included files; include lines are found before the language runs', async (t) => {
  const fs = new MemoryConfigFs({
    '/k/main.conf': '$IF=eth3\ninclude inc.conf\n',
    '/k/inc.conf': 'vrrp_instance V {\n  interface $IF\n  virtual_router_id 1\n}\n',
  });
  const { config } = parseKeepalivedConfig(fs.readFile('/k/main.conf'), { file: '/k/main.conf', fs, configId: 'x' });
  t.equal(config.vrrpInstances[0]!.interface, 'eth3');
});
