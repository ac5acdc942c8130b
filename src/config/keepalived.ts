// keepalived.conf -> VipdConfig. Keywords may come in any order inside a block; unknown ones
// are warnings (file:line) and the config still loads; invalid values are ConfigErrors at the
// offending line and loading stops. Defaults are those keepalived.conf(5) documents.
//
// Deliberate choices where keepalived is lenient:
// - auth_pass longer than 8 characters is an error (keepalived silently truncates, which lets
//   two nodes disagree without noticing; k0s also requires <= 8).
// - a vrrp_instance without `interface` or `virtual_router_id` is an error.
// - virtual_ipaddress entries of mixed families are an error (use virtual_ipaddress_excluded).
import type { Statement } from './block-parser.js';
import { parseStatements } from './block-parser.js';
import { parseCommandLine, splitScriptWords } from './command-line.js';
import { rawText } from './tokenizer.js';
import { defaultGlobal } from './defaults.js';
import { nodeConfigFs, readConfigFile, type ConfigFs } from './fs.js';
import { readSource } from './source.js';
import {
  LVS_SCHEDULERS,
  type Authentication,
  type CheckerSpec,
  type CheckTiming,
  type ConfigWarning,
  type GlobalDefs,
  type HttpUrl,
  type LoadResult,
  type LvsMethod,
  type LvsProtocol,
  type LvsScheduler,
  type RealServerSpec,
  type ScriptCommand,
  type TrackedInterface,
  type TrackedScript,
  type UnicastPeer,
  type VipdConfig,
  type VirtualAddressSpec,
  type VirtualServerSpec,
  type VirtualServerGroupSpec,
  type VirtualServerGroupEntry,
  type VirtualServerTarget,
  type VrrpInstanceSpec,
  type VrrpScriptSpec,
  type VrrpSyncGroupSpec,
} from './types.js';
import {
  argText,
  boolArg,
  fail,
  familyOf,
  intArg,
  ipArg,
  ipText,
  isIp,
  optArg,
  parseCidr,
  parseIntText,
  portText,
  timerArg,
  whereOf,
} from './values.js';

export interface KeepalivedParseOptions {
  /** File name used in messages and as the base directory of relative includes. */
  file: string;
  fs?: ConfigFs;
}

export function loadKeepalivedConfig(file: string, options: { fs?: ConfigFs } = {}): LoadResult {
  const fs = options.fs ?? nodeConfigFs;
  const text = readConfigFile(fs, file);
  return parseKeepalivedConfig(text, { file, fs });
}

export function parseKeepalivedConfig(text: string, options: KeepalivedParseOptions): LoadResult {
  const warnings: ConfigWarning[] = [];
  const files: string[] = [];
  const tokens = readSource(options.file, text, { fs: options.fs ?? nodeConfigFs, warnings, files });
  const statements = parseStatements(tokens);
  const b = new Builder(warnings);
  b.top(statements);
  const config = b.finish({ kind: 'keepalived', file: options.file }, files);
  return { config, warnings };
}

type Handler<T> = (st: Statement, target: T) => void;

/** Keywords keepalived knows that vipd accepts and ignores (with a warning saying so). */
const UNSUPPORTED = 'is not supported by vipd, ignored';

interface InstanceDraft {
  name: string;
  state?: 'MASTER' | 'BACKUP';
  interface?: string;
  virtualRouterId?: number;
  priority?: number;
  advertInt?: number;
  advertIntWhere?: Statement;
  version?: 2 | 3;
  authentication?: Authentication;
  vips: VirtualAddressSpec[];
  vipsWhere?: Statement;
  excluded: VirtualAddressSpec[];
  unicastSrcIp?: string;
  unicastSrcWhere?: Statement;
  unicastPeers: UnicastPeer[];
  checkUnicastSrc?: boolean;
  preempt: boolean;
  preemptDelay: number;
  accept?: boolean;
  strict?: boolean;
  trackInterfaces: TrackedInterface[];
  trackScripts: TrackedScript[];
  dontTrackPrimary: boolean;
  nativeIpv6: boolean;
  notify: Partial<Record<'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify', ScriptCommand>>;
  garp: Partial<Record<GarpKey, number>>;
  st: Statement;
}

type GarpKey =
  | 'garpMasterDelay'
  | 'garpMasterRepeat'
  | 'garpMasterRefresh'
  | 'garpMasterRefreshRepeat'
  | 'garpLowerPrioDelay'
  | 'garpLowerPrioRepeat';

type TimingDraft = Partial<CheckTiming>;

interface VsDraft {
  vs: Omit<VirtualServerSpec, 'realServers' | 'delayLoop'> & { delayLoop?: number };
  timing: TimingDraft;
  rs: Array<{ rs: Omit<RealServerSpec, 'checkers'>; timing: TimingDraft; checkers: CheckerDraft[] }>;
  st: Statement;
}

type CheckerDraft =
  | { kind: 'net'; type: 'TCP_CHECK' | 'HTTP_GET' | 'SSL_GET'; timing: TimingDraft; connectIp?: string; connectPort?: number; bindTo?: string; bindPort?: number; bindIf?: string; fwmark?: number; urls: HttpUrl[]; virtualhost?: string; enableSni: boolean; st: Statement }
  | { kind: 'misc'; timing: TimingDraft; path?: ScriptCommand; timeout?: number; dynamic: boolean; user?: string; group?: string; st: Statement };

class Builder {
  private readonly global: GlobalDefs = defaultGlobal();
  private lowerPrioDelaySet = false;
  private lowerPrioRepeatSet = false;
  private readonly instances: InstanceDraft[] = [];
  private readonly scripts: VrrpScriptSpec[] = [];
  private readonly syncGroups: VrrpSyncGroupSpec[] = [];
  private readonly vsGroups: VirtualServerGroupSpec[] = [];
  private readonly servers: VsDraft[] = [];

  constructor(private readonly warnings: ConfigWarning[]) {}

  warn(st: { file: string; line: number }, message: string): void {
    this.warnings.push({ file: st.file, line: st.line, message });
  }

  /** Run handlers over a block; unknown keywords become warnings. */
  private apply<T>(block: Statement[] | undefined, handlers: Record<string, Handler<T>>, target: T, context: string): void {
    for (const st of block ?? []) {
      const h = Object.hasOwn(handlers, st.keyword) ? handlers[st.keyword] : undefined;
      if (h) {
        h(st, target);
        // A value keyword followed by `{` (even on the next line) is a misplaced block.
        if (st.block && !this.blockRead.has(st)) fail(st, `${st.keyword}: does not take a '{' block`);
      } else this.warn(st, `unknown keyword '${st.keyword}' in ${context}`);
    }
  }

  /** Statements whose `{ }` block a handler read (or deliberately skipped). */
  private readonly blockRead = new WeakSet<Statement>();

  private ignored = (st: Statement): void => {
    this.blockRead.add(st);
    this.warn(st, `'${st.keyword}' ${UNSUPPORTED}`);
  };

  private needBlock(st: Statement): Statement[] {
    if (!st.block) fail(st, `${st.keyword}: expected a '{' block`);
    this.blockRead.add(st);
    return st.block;
  }

  private name(st: Statement): string {
    const n = optArg(st, 0);
    if (n === undefined || n === '') fail(st, `${st.keyword}: missing name`);
    return n;
  }

  /** `keyword <STRING>|<QUOTED-STRING> [username [groupname]]` (see command-line.ts). */
  command(st: Statement, withUser = true): ScriptCommand {
    if (st.args.length === 0) fail(st, `${st.keyword}: missing command`);
    let words: string[];
    let argv: string[];
    try {
      words = splitScriptWords(rawText(st.args));
      argv = parseCommandLine(words[0] ?? '');
    } catch (err) {
      fail(st, `${st.keyword}: ${(err as Error).message}`);
    }
    const text = words[0] ?? '';
    if (argv.length === 0) fail(st, `${st.keyword}: empty command`);
    const cmd: ScriptCommand = { argv, text, where: whereOf(st) };
    const [, user, group] = words;
    if (user !== undefined) {
      if (!withUser) fail(st, `${st.keyword}: unexpected '${user}' after the command (quote commands with arguments)`);
      cmd.user = user;
      if (group !== undefined) cmd.group = group;
    }
    if (words.length > 3) fail(st, `${st.keyword}: too many arguments (quote commands with arguments)`);
    return cmd;
  }

  top(statements: Statement[]): void {
    this.apply<null>(
      statements,
      {
        global_defs: (st) => this.globalDefs(st),
        vrrp_script: (st) => this.vrrpScript(st),
        vrrp_sync_group: (st) => this.syncGroup(st),
        vrrp_instance: (st) => this.instance(st),
        virtual_server_group: (st) => this.vsGroup(st),
        virtual_server: (st) => this.virtualServer(st),
        static_ipaddress: this.ignored,
        static_routes: this.ignored,
        static_rules: this.ignored,
        vrrp_track_file: this.ignored,
        vrrp_track_process: this.ignored,
        bfd_instance: this.ignored,
        linkbeat_interfaces: this.ignored,
        garp_group: this.ignored,
        SSL: this.ignored,
        net_namespace: this.ignored,
        instance: this.ignored,
      },
      null,
      'the top level',
    );
  }

  // ---- global_defs -------------------------------------------------------------------------

  private globalDefs(st: Statement): void {
    const g = this.global;
    g.where = whereOf(st);
    const nonNeg = (key: GarpKey | 'garpInterval' | 'gnaInterval', timer = false): Handler<null> => (s) => {
      const v = timer ? timerArg(s, 0) : intArg(s, 0, 0, 2 ** 31 - 1);
      g[key] = v;
      if (key === 'garpLowerPrioDelay') this.lowerPrioDelaySet = true;
      if (key === 'garpLowerPrioRepeat') this.lowerPrioRepeatSet = true;
    };
    const ignore = this.ignored;
    this.apply<null>(
      this.needBlock(st),
      {
        router_id: (s) => (g.routerId = argText(s, 0, 'router id')),
        vrrp_version: (s) => (g.vrrpVersion = intArg(s, 0, 2, 3) as 2 | 3),
        vrrp_garp_master_delay: nonNeg('garpMasterDelay'),
        vrrp_garp_master_repeat: nonNeg('garpMasterRepeat'),
        vrrp_garp_master_refresh: nonNeg('garpMasterRefresh'),
        vrrp_garp_master_refresh_repeat: nonNeg('garpMasterRefreshRepeat'),
        vrrp_garp_lower_prio_delay: nonNeg('garpLowerPrioDelay'),
        vrrp_garp_lower_prio_repeat: nonNeg('garpLowerPrioRepeat'),
        vrrp_garp_interval: nonNeg('garpInterval', true),
        vrrp_gna_interval: nonNeg('gnaInterval', true),
        enable_script_security: (s) => (g.enableScriptSecurity = boolArg(s, 0)),
        script_user: (s) => {
          g.scriptUser = argText(s, 0, 'user name');
          const grp = optArg(s, 1);
          if (grp !== undefined) g.scriptGroup = grp;
        },
        lvs_flush: (s) => (g.lvsFlush = boolArg(s, 0)),
        lvs_flush_on_stop: (s) => {
          const a = optArg(s, 0);
          g.lvsFlushOnStop = a === undefined ? true : a === 'VS' ? 'VS' : fail(s, `lvs_flush_on_stop: '${a}' is not VS`);
        },
        vrrp_check_unicast_src: (s) => (g.checkUnicastSrc = boolArg(s, 0)),
        vrrp_strict: (s) => (g.strict = boolArg(s, 0)),
        vrrp_skip_check_adv_addr: (s) => (g.skipCheckAdvAddr = boolArg(s, 0)),
        notification_email: ignore,
        notification_email_from: ignore,
        smtp_server: ignore,
        smtp_connect_timeout: ignore,
        smtp_alert: ignore,
        enable_traps: ignore,
        enable_snmp_vrrp: ignore,
        enable_snmp_checker: ignore,
        max_auto_priority: ignore,
        vrrp_min_garp: ignore,
        vrrp_mcast_group4: ignore,
        vrrp_mcast_group6: ignore,
        dynamic_interfaces: ignore,
      },
      null,
      'global_defs',
    );
  }

  // ---- vrrp_script -------------------------------------------------------------------------

  private vrrpScript(st: Statement): void {
    const name = this.name(st);
    const d: Partial<VrrpScriptSpec> & { weight: number; weightReverse: boolean; initFail: boolean } = {
      name,
      weight: 0,
      weightReverse: false,
      initFail: false,
      where: whereOf(st),
    };
    this.apply<null>(
      this.needBlock(st),
      {
        script: (s) => (d.script = this.command(s, false)),
        interval: (s) => (d.interval = positiveTimer(s)),
        timeout: (s) => (d.timeout = positiveTimer(s)),
        weight: (s) => {
          d.weight = intArg(s, 0, -253, 253);
          const r = optArg(s, 1);
          if (r !== undefined && r !== 'reverse') fail(s, `weight: unexpected '${r}' (only 'reverse' may follow)`);
          d.weightReverse = r === 'reverse';
        },
        rise: (s) => (d.rise = intArg(s, 0, 1, 2 ** 31 - 1)),
        fall: (s) => (d.fall = intArg(s, 0, 1, 2 ** 31 - 1)),
        init_fail: () => (d.initFail = true),
        user: (s) => {
          d.user = argText(s, 0, 'user name');
          const grp = optArg(s, 1);
          if (grp !== undefined) d.group = grp;
        },
      },
      null,
      `vrrp_script ${name}`,
    );
    if (!d.script) fail(st, `vrrp_script ${name}: no 'script'`);
    if (this.scripts.some((s) => s.name === name)) fail(st, `vrrp_script ${name}: defined twice`);
    const interval = d.interval ?? 1;
    const s: VrrpScriptSpec = {
      name,
      script: d.script,
      interval,
      timeout: d.timeout ?? interval,
      weight: d.weight,
      weightReverse: d.weightReverse,
      rise: d.rise ?? 1,
      fall: d.fall ?? 1,
      initFail: d.initFail,
      where: whereOf(st),
    };
    if (d.user !== undefined) s.user = d.user;
    if (d.group !== undefined) s.group = d.group;
    this.scripts.push(s);
  }

  // ---- shared track_* and notify handlers ---------------------------------------------------

  private trackInterfaces(st: Statement, out: TrackedInterface[]): void {
    for (const e of this.needBlock(st)) {
      const { weight, reverse } = weightOpts(e, 0);
      out.push({ name: e.keyword, weight: weight ?? 0, reverse, where: whereOf(e) });
    }
  }

  private trackScripts(st: Statement, out: TrackedScript[]): void {
    for (const e of this.needBlock(st)) {
      const { weight, reverse } = weightOpts(e, 0);
      const t: TrackedScript = { name: e.keyword, reverse, where: whereOf(e) };
      if (weight !== undefined) t.weight = weight;
      out.push(t);
    }
  }

  private notifyHandlers<T extends { notify: Partial<Record<string, ScriptCommand>> }>(): Record<string, Handler<T>> {
    const h = (key: string): Handler<T> => (s, d) => (d.notify[key] = this.command(s));
    return {
      notify_master: h('notifyMaster'),
      notify_backup: h('notifyBackup'),
      notify_fault: h('notifyFault'),
      notify_stop: h('notifyStop'),
      notify: h('notify'),
    };
  }

  // ---- vrrp_sync_group ---------------------------------------------------------------------

  private syncGroup(st: Statement): void {
    const name = this.name(st);
    const d = { group: [] as string[], trackInterfaces: [] as TrackedInterface[], trackScripts: [] as TrackedScript[], notify: {} as Partial<Record<string, ScriptCommand>> };
    this.apply<typeof d>(
      this.needBlock(st),
      {
        group: (s) => {
          for (const e of this.needBlock(s)) {
            d.group.push(e.keyword, ...e.args.map((a) => a.text));
          }
        },
        track_interface: (s) => this.trackInterfaces(s, d.trackInterfaces),
        track_script: (s) => this.trackScripts(s, d.trackScripts),
        ...this.notifyHandlers<typeof d>(),
        smtp_alert: this.ignored,
        notify_priority_changes: this.ignored,
      },
      d,
      `vrrp_sync_group ${name}`,
    );
    if (d.group.length === 0) fail(st, `vrrp_sync_group ${name}: empty 'group'`);
    if (this.syncGroups.some((g) => g.name === name)) fail(st, `vrrp_sync_group ${name}: defined twice`);
    this.syncGroups.push({ name, group: d.group, trackInterfaces: d.trackInterfaces, trackScripts: d.trackScripts, ...d.notify, where: whereOf(st) });
  }

  // ---- vrrp_instance -----------------------------------------------------------------------

  private instance(st: Statement): void {
    const name = this.name(st);
    const d: InstanceDraft = {
      name,
      vips: [],
      excluded: [],
      unicastPeers: [],
      preempt: true,
      preemptDelay: 0,
      trackInterfaces: [],
      trackScripts: [],
      dontTrackPrimary: false,
      nativeIpv6: false,
      notify: {},
      garp: {},
      st,
    };
    const garp = (key: GarpKey): Handler<InstanceDraft> => (s) => (d.garp[key] = intArg(s, 0, 0, 2 ** 31 - 1));
    this.apply<InstanceDraft>(
      this.needBlock(st),
      {
        state: (s) => {
          const v = argText(s, 0, 'state');
          if (v !== 'MASTER' && v !== 'BACKUP') fail(s, `state: '${v}' is not MASTER or BACKUP`);
          d.state = v;
        },
        interface: (s) => (d.interface = argText(s, 0, 'interface name')),
        virtual_router_id: (s) => (d.virtualRouterId = intArg(s, 0, 1, 255)),
        priority: (s) => (d.priority = intArg(s, 0, 1, 255)),
        advert_int: (s) => {
          d.advertInt = timerArg(s, 0);
          if (d.advertInt === 0) fail(s, `advert_int: must be greater than 0`);
          d.advertIntWhere = s;
        },
        version: (s) => (d.version = intArg(s, 0, 2, 3) as 2 | 3),
        authentication: (s) => (d.authentication = this.authentication(s)),
        virtual_ipaddress: (s) => {
          d.vipsWhere = s;
          d.vips.push(...this.virtualAddresses(s));
        },
        virtual_ipaddress_excluded: (s) => d.excluded.push(...this.virtualAddresses(s)),
        unicast_src_ip: (s) => ((d.unicastSrcIp = ipArg(s, 0)), (d.unicastSrcWhere = s)),
        mcast_src_ip: (s) => ((d.unicastSrcIp = ipArg(s, 0)), (d.unicastSrcWhere = s)),
        unicast_peer: (s) => d.unicastPeers.push(...this.unicastPeers(s)),
        check_unicast_src: (s) => (d.checkUnicastSrc = boolArg(s, 0)),
        nopreempt: () => (d.preempt = false),
        preempt: () => (d.preempt = true),
        preempt_delay: (s) => (d.preemptDelay = timerArg(s, 0, 1000)),
        accept: () => (d.accept = true),
        no_accept: () => (d.accept = false),
        strict_mode: (s) => (d.strict = boolArg(s, 0)),
        track_interface: (s) => this.trackInterfaces(s, d.trackInterfaces),
        track_script: (s) => this.trackScripts(s, d.trackScripts),
        ...this.notifyHandlers<InstanceDraft>(),
        garp_master_delay: garp('garpMasterDelay'),
        garp_master_repeat: garp('garpMasterRepeat'),
        garp_master_refresh: garp('garpMasterRefresh'),
        garp_master_refresh_repeat: garp('garpMasterRefreshRepeat'),
        garp_lower_prio_delay: garp('garpLowerPrioDelay'),
        garp_lower_prio_repeat: garp('garpLowerPrioRepeat'),
        native_ipv6: () => (d.nativeIpv6 = true),
        dont_track_primary: () => (d.dontTrackPrimary = true),
        use_vmac: (s) => this.warn(s, `use_vmac ${UNSUPPORTED} (the VIPs go on the instance's interface)`),
        vmac_xmit_base: this.ignored,
        virtual_routes: this.ignored,
        virtual_rules: this.ignored,
        promote_secondaries: this.ignored,
        smtp_alert: this.ignored,
        debug: this.ignored,
        skip_check_adv_addr: this.ignored,
        notify_priority_changes: this.ignored,
        lvs_sync_daemon_interface: this.ignored,
      },
      d,
      `vrrp_instance ${name}`,
    );
    if (this.instances.some((i) => i.name === name)) fail(st, `vrrp_instance ${name}: defined twice`);
    this.instances.push(d);
  }

  private authentication(st: Statement): Authentication {
    let type: Authentication['type'] | undefined;
    let pass: string | undefined;
    this.apply<null>(
      this.needBlock(st),
      {
        auth_type: (s) => {
          const v = argText(s, 0, 'PASS or AH');
          if (v !== 'PASS' && v !== 'AH') fail(s, `auth_type: '${v}' is not PASS or AH`);
          type = v;
        },
        auth_pass: (s) => {
          const v = argText(s, 0, 'password');
          if (v.length === 0) fail(s, `auth_pass: empty password`);
          if (v.length > 8) fail(s, `auth_pass: password is ${v.length} characters, at most 8 are allowed`);
          pass = v;
        },
      },
      null,
      'authentication',
    );
    if (pass === undefined) fail(st, `authentication: no 'auth_pass'`);
    return { type: type ?? 'PASS', pass };
  }

  private virtualAddresses(st: Statement): VirtualAddressSpec[] {
    const out: VirtualAddressSpec[] = [];
    for (const e of this.needBlock(st)) {
      const { address, prefixLength, family } = parseCidr(e, e.keyword, st.keyword);
      const v: VirtualAddressSpec = { address, prefixLength, family, noTrack: false, where: whereOf(e) };
      const a = e.args.map((t) => t.text);
      for (let i = 0; i < a.length; i++) {
        const opt = a[i]!;
        const val = (): string => {
          const x = a[++i];
          if (x === undefined) fail(e, `${st.keyword}: '${opt}' needs a value`);
          return x;
        };
        switch (opt) {
          case 'dev':
            v.dev = val();
            break;
          case 'label':
            v.label = val();
            break;
          case 'brd':
          case 'broadcast':
            v.broadcast = ipText(e, val(), `${st.keyword} brd`);
            break;
          case 'peer':
            v.peer = ipText(e, val(), `${st.keyword} peer`);
            break;
          case 'scope': {
            const sc = val();
            if (!['global', 'site', 'link', 'host', 'nowhere'].includes(sc)) fail(e, `${st.keyword}: unknown scope '${sc}'`);
            v.scope = sc as VirtualAddressSpec['scope'];
            break;
          }
          case 'no_track':
            v.noTrack = true;
            break;
          case 'preferred_lft':
          case 'track_group':
            this.warn(e, `${st.keyword}: '${opt}' ${UNSUPPORTED}`);
            val();
            break;
          case 'use_vmac':
          case 'home':
          case '-nodad':
          case 'nodad':
          case 'mngtmpaddr':
          case 'noprefixroute':
          case 'autojoin':
            this.warn(e, `${st.keyword}: '${opt}' ${UNSUPPORTED}`);
            break;
          default:
            fail(e, `${st.keyword}: unknown option '${opt}' for ${e.keyword}`);
        }
      }
      if (e.block) fail(e, `${st.keyword}: unexpected '{' after ${e.keyword}`);
      out.push(v);
    }
    return out;
  }

  private unicastPeers(st: Statement): UnicastPeer[] {
    const out: UnicastPeer[] = [];
    for (const e of this.needBlock(st)) {
      const peer: UnicastPeer = { address: ipText(e, e.keyword, 'unicast_peer') };
      const a = e.args.map((t) => t.text);
      for (let i = 0; i < a.length; i++) {
        const opt = a[i]!;
        if (opt !== 'min_ttl' && opt !== 'max_ttl') fail(e, `unicast_peer: unknown option '${opt}'`);
        const v = parseIntText(e, a[++i] ?? '', `unicast_peer ${opt}`, 0, 255);
        if (opt === 'min_ttl') peer.minTtl = v;
        else peer.maxTtl = v;
      }
      out.push(peer);
    }
    return out;
  }

  private finishInstance(d: InstanceDraft): VrrpInstanceSpec {
    const { st, name } = d;
    const label = `vrrp_instance ${name}`;
    if (d.interface === undefined) fail(st, `${label}: no 'interface'`);
    if (d.virtualRouterId === undefined) fail(st, `${label}: no 'virtual_router_id'`);
    if (d.vips.length === 0) this.warn(st, `${label}: no virtual_ipaddress; at least one is sensible`);
    const families = new Set(d.vips.map((v) => v.family));
    if (families.size > 1) fail(d.vipsWhere ?? st, `${label}: virtual_ipaddress mixes IPv4 and IPv6 (put one family in virtual_ipaddress_excluded)`);
    const family: 4 | 6 = d.vips[0]?.family ?? (d.unicastSrcIp ? familyOf(d.unicastSrcIp) : d.unicastPeers[0] ? familyOf(d.unicastPeers[0].address) : 4);
    if (d.unicastSrcIp && familyOf(d.unicastSrcIp) !== family) fail(d.unicastSrcWhere ?? st, `${label}: unicast_src_ip ${d.unicastSrcIp} is not IPv${family} like the VIPs`);
    for (const p of d.unicastPeers) {
      if (familyOf(p.address) !== family) fail(st, `${label}: unicast_peer ${p.address} is not IPv${family} like the VIPs`);
    }
    let version: 2 | 3 = d.version ?? this.global.vrrpVersion;
    if (family === 6) {
      if (d.version === 2) this.warn(st, `${label}: IPv6 instances use VRRP version 3`);
      version = 3;
    }
    const advertSeconds = d.advertInt ?? 1;
    let advertIntervalCs: number;
    const where = d.advertIntWhere ?? st;
    if (version === 2) {
      if (advertSeconds > 255) fail(where, `advert_int: ${advertSeconds} is out of range 1..255 for VRRPv2`);
      let whole = advertSeconds;
      if (!Number.isInteger(advertSeconds)) {
        whole = Math.max(1, Math.round(advertSeconds));
        this.warn(where, `advert_int: VRRPv2 uses whole seconds, ${advertSeconds} rounded to ${whole}`);
      }
      advertIntervalCs = whole * 100;
    } else {
      advertIntervalCs = Math.round(advertSeconds * 100);
      if (advertIntervalCs < 1 || advertIntervalCs > 4095) fail(where, `advert_int: ${advertSeconds} is out of range 0.01..40.95 for VRRPv3`);
    }
    const strict = d.strict ?? this.global.strict;
    const g = this.global;
    const inst: VrrpInstanceSpec = {
      name,
      state: d.state ?? 'BACKUP',
      interface: d.interface,
      virtualRouterId: d.virtualRouterId,
      priority: d.priority ?? 100,
      advertIntervalCs,
      version,
      family,
      virtualIpAddresses: d.vips,
      virtualIpAddressesExcluded: d.excluded,
      unicastPeers: d.unicastPeers,
      checkUnicastSrc: d.checkUnicastSrc ?? g.checkUnicastSrc,
      preempt: d.preempt,
      preemptDelay: d.preemptDelay,
      accept: d.accept ?? !strict,
      strict,
      trackInterfaces: d.trackInterfaces,
      trackScripts: d.trackScripts,
      dontTrackPrimary: d.dontTrackPrimary,
      // keepalived reports IPv6 instances as native IPv6 whether or not `native_ipv6` is set.
      nativeIpv6: d.nativeIpv6 || family === 6,
      ...d.notify,
      garpMasterDelay: d.garp.garpMasterDelay ?? g.garpMasterDelay,
      garpMasterRepeat: d.garp.garpMasterRepeat ?? g.garpMasterRepeat,
      garpMasterRefresh: d.garp.garpMasterRefresh ?? g.garpMasterRefresh,
      garpMasterRefreshRepeat: d.garp.garpMasterRefreshRepeat ?? g.garpMasterRefreshRepeat,
      garpLowerPrioDelay: d.garp.garpLowerPrioDelay ?? d.garp.garpMasterDelay ?? g.garpLowerPrioDelay,
      garpLowerPrioRepeat: d.garp.garpLowerPrioRepeat ?? d.garp.garpMasterRepeat ?? g.garpLowerPrioRepeat,
      where: whereOf(st),
    };
    if (d.authentication) inst.authentication = d.authentication;
    if (d.unicastSrcIp !== undefined) inst.unicastSrcIp = d.unicastSrcIp;
    if (strict && d.authentication) fail(st, `${label}: authentication is not allowed with vrrp_strict/strict_mode`);
    return inst;
  }

  // ---- virtual_server_group ----------------------------------------------------------------

  private vsGroup(st: Statement): void {
    const name = this.name(st);
    const entries: VirtualServerGroupEntry[] = [];
    for (const e of this.needBlock(st)) {
      if (e.keyword === 'fwmark') {
        const fwmark = intArg(e, 0, 1, 2 ** 32 - 1);
        const fam = optArg(e, 1);
        if (fam !== undefined && fam !== 'inet' && fam !== 'inet6') fail(e, `fwmark: '${fam}' is not inet or inet6`);
        entries.push(fam ? { kind: 'fwmark', fwmark, family: fam === 'inet' ? 4 : 6 } : { kind: 'fwmark', fwmark });
        continue;
      }
      const { first, last } = addressRange(e, e.keyword);
      const p = optArg(e, 0);
      entries.push({ kind: 'address', first, last, port: p === undefined ? 0 : portText(e, p, 'virtual_server_group'), family: familyOf(first) });
    }
    if (this.vsGroups.some((g) => g.name === name)) fail(st, `virtual_server_group ${name}: defined twice`);
    this.vsGroups.push({ name, entries, where: whereOf(st) });
  }

  // ---- virtual_server ----------------------------------------------------------------------

  private virtualServer(st: Statement): void {
    const a0 = argText(st, 0, 'address, fwmark or group');
    let target: VirtualServerTarget;
    let portGiven = true;
    if (a0 === 'fwmark') {
      target = { kind: 'fwmark', fwmark: intArg(st, 1, 1, 2 ** 32 - 1, 'mark'), family: 4 };
    } else if (a0 === 'group') {
      target = { kind: 'group', group: argText(st, 1, 'group name') };
    } else {
      const address = ipText(st, a0, 'virtual_server');
      const p = optArg(st, 1);
      portGiven = p !== undefined;
      target = { kind: 'address', address, port: p === undefined ? 0 : portText(st, p, 'virtual_server'), family: familyOf(address) };
    }
    const draft: VsDraft = {
      vs: {
        target,
        scheduler: 'wlc',
        schedulerFlags: [],
        method: 'NAT',
        protocol: 'UDP',
        ops: false,
        quorum: 1,
        hysteresis: 0,
        alpha: false,
        omega: false,
        inhibitOnFailure: false,
        where: whereOf(st),
      },
      timing: {},
      rs: [],
      st,
    };
    const vs = draft.vs;
    let protocolSet = false;
    const flag = (s: Statement) => vs.schedulerFlags.push(s.keyword);
    this.apply<null>(
      this.needBlock(st),
      {
        delay_loop: (s) => (vs.delayLoop = positiveTimer(s)),
        lb_algo: (s) => (vs.scheduler = scheduler(s)),
        lvs_sched: (s) => (vs.scheduler = scheduler(s)),
        lb_kind: (s) => (vs.method = lvsMethod(s)),
        lvs_method: (s) => (vs.method = lvsMethod(s)),
        persistence_timeout: (s) => (vs.persistenceTimeout = optArg(s, 0) === undefined ? 360 : intArg(s, 0, 1, 2678400)),
        persistence_granularity: (s) => (vs.persistenceGranularity = argText(s, 0, 'netmask')),
        protocol: (s) => {
          const p = argText(s, 0, 'TCP, UDP or SCTP');
          if (p !== 'TCP' && p !== 'UDP' && p !== 'SCTP') fail(s, `protocol: '${p}' is not TCP, UDP or SCTP`);
          vs.protocol = p as LvsProtocol;
          protocolSet = true;
        },
        ops: () => (vs.ops = true),
        quorum: (s) => (vs.quorum = intArg(s, 0, 1, 2 ** 31 - 1)),
        hysteresis: (s) => (vs.hysteresis = intArg(s, 0, 0, 2 ** 31 - 1)),
        alpha: (s) => (vs.alpha = boolArg(s, 0)),
        omega: (s) => (vs.omega = boolArg(s, 0)),
        inhibit_on_failure: (s) => (vs.inhibitOnFailure = boolArg(s, 0)),
        quorum_up: (s) => (vs.quorumUp = this.command(s)),
        quorum_down: (s) => (vs.quorumDown = this.command(s)),
        sorry_server: (s) => {
          const addr = ipArg(s, 0);
          const p = optArg(s, 1);
          vs.sorryServer = { address: addr, port: p === undefined ? 0 : portText(s, p, 'sorry_server'), inhibit: vs.sorryServer?.inhibit ?? false };
        },
        sorry_server_inhibit: () => {
          if (vs.sorryServer) vs.sorryServer.inhibit = true;
          else vs.sorryServer = { address: '', port: 0, inhibit: true };
        },
        virtualhost: (s) => (vs.virtualhost = argText(s, 0, 'host name')),
        ip_family: (s) => {
          const f = argText(s, 0, 'inet or inet6');
          if (f !== 'inet' && f !== 'inet6') fail(s, `ip_family: '${f}' is not inet or inet6`);
          if (target.kind === 'fwmark') target.family = f === 'inet' ? 4 : 6;
        },
        ...timingHandlers<null>(draft.timing),
        real_server: (s) => draft.rs.push(this.realServer(s, draft)),
        'flag-1': flag,
        'flag-2': flag,
        'flag-3': flag,
        'sh-port': flag,
        'sh-fallback': flag,
        'mh-port': flag,
        'mh-fallback': flag,
        ha_suspend: this.ignored,
        smtp_alert: this.ignored,
        snmp_name: this.ignored,
        persistence_engine: this.ignored,
        sorry_server_lvs_method: this.ignored,
      },
      null,
      `virtual_server ${st.args.map((t) => t.text).join(' ')}`,
    );
    // keepalived 2.2.7 (observed) picks UDP when `protocol` is missing, and says so.
    if (!protocolSet && target.kind !== 'fwmark') this.warn(st, `virtual_server: no protocol set, defaulting to UDP as keepalived does`);
    if (vs.sorryServer && vs.sorryServer.address === '') fail(st, `virtual_server: sorry_server_inhibit without sorry_server`);
    if (target.kind === 'address' && !portGiven && vs.persistenceTimeout === undefined) {
      fail(st, `virtual_server ${target.address}: a port is required unless the service is persistent`);
    }
    if (target.kind === 'address') {
      for (const r of draft.rs) {
        if (familyOf(r.rs.address) !== target.family && r.rs.method !== 'TUN') {
          fail(r.rs.where, `real_server ${r.rs.address}: address family differs from virtual_server ${target.address}`);
        }
      }
    }
    this.servers.push(draft);
  }

  private realServer(st: Statement, parent: VsDraft): VsDraft['rs'][number] {
    const address = ipArg(st, 0, 'real_server');
    const p = optArg(st, 1);
    const vsPort = parent.vs.target.kind === 'address' ? parent.vs.target.port : 0;
    const rs: Omit<RealServerSpec, 'checkers'> = {
      address,
      port: p === undefined ? vsPort : portText(st, p, 'real_server'),
      weight: 1,
      method: parent.vs.method,
      inhibitOnFailure: parent.vs.inhibitOnFailure,
      where: whereOf(st),
    };
    let methodSet = false;
    const timing: TimingDraft = {};
    const checkers: CheckerDraft[] = [];
    this.apply<null>(
      this.needBlock(st),
      {
        weight: (s) => (rs.weight = intArg(s, 0, 0, 65535)),
        lvs_method: (s) => ((rs.method = lvsMethod(s)), (methodSet = true)),
        lb_kind: (s) => ((rs.method = lvsMethod(s)), (methodSet = true)),
        inhibit_on_failure: (s) => (rs.inhibitOnFailure = boolArg(s, 0)),
        uthreshold: (s) => (rs.upperThreshold = intArg(s, 0, 0, 2 ** 31 - 1)),
        lthreshold: (s) => (rs.lowerThreshold = intArg(s, 0, 0, 2 ** 31 - 1)),
        notify_up: (s) => (rs.notifyUp = this.command(s)),
        notify_down: (s) => (rs.notifyDown = this.command(s)),
        ...timingHandlers<null>(timing),
        TCP_CHECK: (s) => checkers.push(this.netChecker(s, 'TCP_CHECK')),
        HTTP_GET: (s) => checkers.push(this.netChecker(s, 'HTTP_GET')),
        SSL_GET: (s) => checkers.push(this.netChecker(s, 'SSL_GET')),
        MISC_CHECK: (s) => checkers.push(this.miscChecker(s)),
        SMTP_CHECK: this.ignored,
        DNS_CHECK: this.ignored,
        UDP_CHECK: this.ignored,
        PING_CHECK: this.ignored,
        BFD_CHECK: this.ignored,
        FILE_CHECK: this.ignored,
        smtp_alert: this.ignored,
        virtualhost: this.ignored,
        snmp_name: this.ignored,
        alpha: this.ignored,
      },
      null,
      `real_server ${address}`,
    );
    // The real server inherits the virtual server's method unless it sets its own.
    if (!methodSet) rs.method = parent.vs.method;
    return { rs, timing, checkers };
  }

  private netChecker(st: Statement, type: 'TCP_CHECK' | 'HTTP_GET' | 'SSL_GET'): CheckerDraft {
    const d: Extract<CheckerDraft, { kind: 'net' }> = { kind: 'net', type, timing: {}, urls: [], enableSni: false, st };
    const http = type !== 'TCP_CHECK';
    const handlers: Record<string, Handler<null>> = {
      connect_ip: (s) => (d.connectIp = ipArg(s, 0)),
      connect_port: (s) => (d.connectPort = portText(s, argText(s, 0, 'port'), 'connect_port')),
      bindto: (s) => (d.bindTo = ipArg(s, 0)),
      bind_port: (s) => (d.bindPort = portText(s, argText(s, 0, 'port'), 'bind_port')),
      bind_if: (s) => (d.bindIf = argText(s, 0, 'interface name')),
      fwmark: (s) => (d.fwmark = intArg(s, 0, 0, 2 ** 32 - 1)),
      ...timingHandlers<null>(d.timing),
      alpha: this.ignored,
      log_all_failures: this.ignored,
    };
    if (http) {
      handlers.url = (s) => d.urls.push(this.url(s));
      handlers.virtualhost = (s) => (d.virtualhost = argText(s, 0, 'host name'));
      handlers.http_protocol = this.ignored;
      handlers.fast_recovery = this.ignored;
      if (type === 'SSL_GET') handlers.enable_sni = () => (d.enableSni = true);
    }
    this.apply<null>(this.needBlock(st), handlers, null, type);
    if (http && d.urls.length === 0) fail(st, `${type}: no 'url' block`);
    return d;
  }

  private url(st: Statement): HttpUrl {
    const u: Partial<HttpUrl> = {};
    this.apply<null>(
      this.needBlock(st),
      {
        path: (s) => (u.path = argText(s, 0, 'path')),
        digest: (s) => {
          const v = argText(s, 0, 'digest');
          if (!/^[0-9a-fA-F]{32}$/.test(v)) fail(s, `digest: '${v}' is not an MD5 hex digest`);
          u.digest = v.toLowerCase();
        },
        status_code: (s) => {
          if (s.args.length === 0) fail(s, `status_code: missing code`);
          u.statusCodes = s.args.map((t) => {
            const m = /^(\d+)(?:-(\d+))?$/.exec(t.text);
            const lo = m ? Number(m[1]) : NaN;
            const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
            if (!m || lo < 100 || hi > 599 || hi < lo) fail(s, `status_code: '${t.text}' is not an HTTP status code or range`);
            return [lo, hi] as [number, number];
          });
        },
        virtualhost: (s) => (u.virtualhost = argText(s, 0, 'host name')),
        regex: this.ignored,
        regex_no_match: this.ignored,
        regex_options: this.ignored,
        regex_stack: this.ignored,
        regex_min_offset: this.ignored,
        regex_max_offset: this.ignored,
      },
      null,
      'url',
    );
    if (u.path === undefined) fail(st, `url: no 'path'`);
    const out: HttpUrl = { path: u.path, statusCodes: u.statusCodes ?? [[200, 299]] };
    if (u.digest !== undefined) out.digest = u.digest;
    if (u.virtualhost !== undefined) out.virtualhost = u.virtualhost;
    return out;
  }

  private miscChecker(st: Statement): CheckerDraft {
    const d: Extract<CheckerDraft, { kind: 'misc' }> = { kind: 'misc', timing: {}, dynamic: false, st };
    this.apply<null>(
      this.needBlock(st),
      {
        misc_path: (s) => (d.path = this.command(s, false)),
        misc_timeout: (s) => (d.timeout = positiveTimer(s)),
        misc_dynamic: () => (d.dynamic = true),
        user: (s) => {
          d.user = argText(s, 0, 'user name');
          const g = optArg(s, 1);
          if (g !== undefined) d.group = g;
        },
        ...timingHandlers<null>(d.timing),
      },
      null,
      'MISC_CHECK',
    );
    if (!d.path) fail(st, `MISC_CHECK: no 'misc_path'`);
    return d;
  }

  private finishVirtualServer(d: VsDraft): VirtualServerSpec {
    const vsDelay = d.vs.delayLoop ?? d.timing.delayLoop ?? 60;
    const realServers: RealServerSpec[] = d.rs.map(({ rs, timing, checkers }) => ({
      ...rs,
      checkers: checkers.map((c): CheckerSpec => {
        const pick = <K extends keyof CheckTiming>(k: K): number | undefined => c.timing[k] ?? timing[k] ?? d.timing[k];
        const delayLoop = pick('delayLoop') ?? vsDelay;
        const httpLike = c.kind === 'net' && c.type !== 'TCP_CHECK';
        const common = {
          retry: pick('retry') ?? (c.kind === 'misc' ? 0 : 1),
          delayBeforeRetry: pick('delayBeforeRetry') ?? (httpLike ? 3 : 1),
          warmup: pick('warmup') ?? delayLoop,
          delayLoop,
          where: whereOf(c.st),
        };
        if (c.kind === 'misc') {
          const m: CheckerSpec = { type: 'MISC_CHECK', path: c.path!, timeout: c.timeout ?? delayLoop, dynamic: c.dynamic, ...common };
          if (c.user !== undefined) m.user = c.user;
          if (c.group !== undefined) m.group = c.group;
          return m;
        }
        const base = {
          ...common,
          connectTimeout: pick('connectTimeout') ?? 5,
          connectIp: c.connectIp ?? rs.address,
          connectPort: c.connectPort ?? rs.port,
          ...(c.bindTo !== undefined ? { bindTo: c.bindTo } : {}),
          ...(c.bindPort !== undefined ? { bindPort: c.bindPort } : {}),
          ...(c.bindIf !== undefined ? { bindIf: c.bindIf } : {}),
          ...(c.fwmark !== undefined ? { fwmark: c.fwmark } : {}),
        };
        if (base.connectPort === 0) fail(c.st, `${c.type}: no connect_port and the real server has no port`);
        if (c.type === 'TCP_CHECK') return { type: 'TCP_CHECK', ...base };
        const h: CheckerSpec = { type: c.type, ...base, urls: c.urls, enableSni: c.enableSni };
        const vh = c.virtualhost ?? d.vs.virtualhost;
        if (vh !== undefined) h.virtualhost = vh;
        return h;
      }),
    }));
    return { ...d.vs, delayLoop: vsDelay, realServers };
  }

  finish(source: VipdConfig['source'], files: string[]): VipdConfig {
    const g = this.global;
    if (!this.lowerPrioDelaySet) g.garpLowerPrioDelay = g.garpMasterDelay;
    if (!this.lowerPrioRepeatSet) g.garpLowerPrioRepeat = g.garpMasterRepeat;
    const vrrpInstances = this.instances.map((d) => this.finishInstance(d));
    // One VRID per interface and family, unless unicast keeps the instances apart.
    const seen = new Map<string, VrrpInstanceSpec>();
    for (const i of vrrpInstances) {
      if (i.unicastPeers.length > 0) continue;
      const key = `${i.interface}/${i.family}/${i.virtualRouterId}`;
      const other = seen.get(key);
      if (other) {
        fail(i.where, `vrrp_instance ${i.name}: virtual_router_id ${i.virtualRouterId} is already used by ${other.name} on ${i.interface}`);
      }
      seen.set(key, i);
    }
    const scriptNames = new Set(this.scripts.map((s) => s.name));
    const track = (list: TrackedScript[], owner: string) => {
      for (const t of list.filter((x) => !scriptNames.has(x.name))) {
        this.warn(t.where, `${owner}: track_script '${t.name}' is not a defined vrrp_script, ignored`);
      }
      return list.filter((x) => scriptNames.has(x.name));
    };
    for (const i of vrrpInstances) i.trackScripts = track(i.trackScripts, `vrrp_instance ${i.name}`);
    const instanceNames = new Set(vrrpInstances.map((i) => i.name));
    for (const sg of this.syncGroups) {
      sg.trackScripts = track(sg.trackScripts, `vrrp_sync_group ${sg.name}`);
      for (const m of sg.group) {
        if (!instanceNames.has(m)) fail(sg.where, `vrrp_sync_group ${sg.name}: vrrp_instance '${m}' is not defined`);
      }
    }
    const groupNames = new Set(this.vsGroups.map((x) => x.name));
    const virtualServers = this.servers.map((d) => {
      if (d.vs.target.kind === 'group' && !groupNames.has(d.vs.target.group)) {
        fail(d.st, `virtual_server group '${d.vs.target.group}' is not defined`);
      }
      return this.finishVirtualServer(d);
    });
    return {
      source,
      files,
      global: g,
      vrrpScripts: this.scripts,
      vrrpSyncGroups: this.syncGroups,
      vrrpInstances,
      virtualServerGroups: this.vsGroups,
      virtualServers,
    };
  }
}

function positiveTimer(st: Statement): number {
  const v = timerArg(st, 0);
  if (v === 0) fail(st, `${st.keyword}: must be greater than 0`);
  return v;
}

function timingHandlers<T>(timing: TimingDraft): Record<string, Handler<T>> {
  return {
    connect_timeout: (s) => (timing.connectTimeout = positiveTimer(s)),
    retry: (s) => (timing.retry = intArg(s, 0, 0, 2 ** 31 - 1)),
    nb_get_retry: (s) => (timing.retry = intArg(s, 0, 0, 2 ** 31 - 1)),
    delay_before_retry: (s) => (timing.delayBeforeRetry = timerArg(s, 0)),
    warmup: (s) => (timing.warmup = timerArg(s, 0)),
    delay_loop: (s) => (timing.delayLoop = positiveTimer(s)),
  };
}

function scheduler(st: Statement): LvsScheduler {
  const v = argText(st, 0, 'scheduler');
  if (!(LVS_SCHEDULERS as readonly string[]).includes(v)) {
    fail(st, `${st.keyword}: unknown scheduler '${v}' (one of ${LVS_SCHEDULERS.join(' ')})`);
  }
  return v as LvsScheduler;
}

function lvsMethod(st: Statement): LvsMethod {
  const v = argText(st, 0, 'NAT, DR or TUN');
  if (v !== 'NAT' && v !== 'DR' && v !== 'TUN') fail(st, `${st.keyword}: '${v}' is not NAT, DR or TUN`);
  return v;
}

/** `NAME [weight N] [reverse|noreverse|no_reverse]` */
function weightOpts(e: Statement, from: number): { weight?: number; reverse: boolean } {
  let weight: number | undefined;
  let reverse = false;
  const a = e.args.map((t) => t.text);
  for (let i = from; i < a.length; i++) {
    const opt = a[i]!;
    if (opt === 'weight') weight = parseIntText(e, a[++i] ?? '', `${e.keyword} weight`, -253, 253);
    else if (opt === 'reverse') reverse = true;
    else if (opt === 'noreverse' || opt === 'no_reverse') reverse = false;
    else fail(e, `${e.keyword}: unexpected '${opt}' (expected weight N [reverse])`);
  }
  return weight === undefined ? { reverse } : { weight, reverse };
}

/** `a.b.c.d`, `a.b.c.d-e` (last component), `a.b.c.d-e.f.g.h`, `a.b.c.d/nn`, and IPv6 equivalents. */
function addressRange(st: Statement, text: string): { first: string; last: string } {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const { address, prefixLength, family } = parseCidr(st, text, 'virtual_server_group');
    if (family === 6) return { first: address, last: address };
    const n = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - prefixLength);
    const base = Math.floor(n / size) * size;
    return { first: v4(base), last: v4(base + size - 1) };
  }
  const dash = text.indexOf('-');
  if (dash < 0) return { first: ipText(st, text, 'virtual_server_group'), last: text };
  const first = ipText(st, text.slice(0, dash), 'virtual_server_group');
  const tail = text.slice(dash + 1);
  if (isIp(tail)) return { first, last: tail };
  const sep = familyOf(first) === 4 ? '.' : ':';
  const last = first.slice(0, first.lastIndexOf(sep) + 1) + tail;
  if (!isIp(last)) fail(st, `virtual_server_group: '${text}' is not a valid address range`);
  return { first, last };
}

function v4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
