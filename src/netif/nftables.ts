// vipd's own nftables tables, through Debian's `nft` (keepalived programs nftables through
// libnftnl; the ruleset language is the stable interface, so one `nft -f -` per change is enough).
// Each table belongs to vipd alone and is replaced as a whole in one transaction: declare it (a
// no-op when it exists), delete it, define it again. A crash leaves the last ruleset; the next start
// replaces or deletes it, so no stale rule outlives a restart.
import { runCommand, type CommandResult } from '../health/run-command.js';
import { which } from '../os/which.js';
import { VipdError } from '../errors.js';

export type NftFamily = 'inet' | 'ip' | 'ip6';

export interface NftTable {
  family: NftFamily;
  /** Starts with `vipd`: vipd never touches a table it did not name. */
  name: string;
}

/** Runs `nft -f -` with a ruleset on stdin; injectable for tests. */
export type NftRunner = (ruleset: string) => Promise<CommandResult>;

const NAME = /^vipd[A-Za-z0-9_]{0,27}$/;

function checkTable(t: NftTable): void {
  if (!NAME.test(t.name)) throw new VipdError('VIPD_ERR_NFT', `nftables table name '${t.name}' must start with vipd (letters, digits, _)`);
}

/** The transaction that makes `t` hold exactly `body` (chains and rules in nft syntax). Pure. */
export function replaceTableRuleset(t: NftTable, body: string): string {
  checkTable(t);
  const id = `${t.family} ${t.name}`;
  return `table ${id} {}\ndelete table ${id}\ntable ${id} {\n${body.trimEnd()}\n}\n`;
}

/** The transaction that removes `t`, whether or not it exists. Pure. */
export function deleteTableRuleset(t: NftTable): string {
  checkTable(t);
  const id = `${t.family} ${t.name}`;
  return `table ${id} {}\ndelete table ${id}\n`;
}

export const runNft: NftRunner = (ruleset) =>
  runCommand([which('nft') ?? 'nft', '-f', '-'], { input: ruleset, output: 'capture', timeoutMs: 10_000 });

/** Whether `nft` can be run here (Debian package nftables). */
export function nftAvailable(): boolean {
  return which('nft') !== undefined;
}

export class NftTables {
  readonly #run: NftRunner;

  constructor(run: NftRunner = runNft) {
    this.#run = run;
  }

  async replace(t: NftTable, body: string): Promise<void> {
    await this.#apply(`replace nftables table ${t.family} ${t.name}`, replaceTableRuleset(t, body));
  }

  async delete(t: NftTable): Promise<void> {
    await this.#apply(`delete nftables table ${t.family} ${t.name}`, deleteTableRuleset(t));
  }

  async #apply(what: string, ruleset: string): Promise<void> {
    const r = await this.#run(ruleset);
    if (r.code === 0) return;
    const why = r.error ?? (r.stderr?.trim() || (r.timedOut ? 'timed out' : `exit ${String(r.code ?? r.signal)}`));
    throw new VipdError('VIPD_ERR_NFT', `${what}: ${why}`);
  }
}
