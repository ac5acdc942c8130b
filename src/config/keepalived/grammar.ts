// Which keywords open a block, per block context, from the keyword tables: keepalived reads braces
// by keyword (block-parser.ts says what it does with one out of place), so vipd must too. A keyword
// opens a block when its entry names the context of its block (`block`) or takes a block of plain
// lines (`list`); any other keyword takes none, and neither does one the table does not know.
import { GENERIC, LIST, type Grammar } from '../block-parser.js';
import { CONTEXTS } from './keyword-table.js';

/** Blocks vipd accepts without reading them (one warning for the block): their braces are only matched. */
const UNREAD = new Set(['bfd_instance', 'garp_group', 'track_group', 'BFD_CHECK']);

const grammars = new Map<string, Grammar>();

function grammarOf(context: string): Grammar {
  let g = grammars.get(context);
  if (!g) {
    const table = CONTEXTS[context];
    if (!table) throw new Error(`no keyword table for block context '${context}'`);
    const rules = new Map<string, Grammar | 'value'>();
    g = {
      rule(keyword) {
        let r = rules.get(keyword);
        if (r === undefined) {
          const e = Object.hasOwn(table, keyword) ? table[keyword] : undefined;
          r = e?.list ? LIST : e?.block === undefined ? 'value' : UNREAD.has(e.block) ? GENERIC : grammarOf(e.block);
          // Keywords the table knows (an unknown one may be any word: not kept).
          if (e) rules.set(keyword, r);
        }
        return r;
      },
    };
    grammars.set(context, g);
  }
  return g;
}

/** The grammar of a keepalived.conf, from its top level down. */
export const KEEPALIVED_GRAMMAR: Grammar = grammarOf('top level');
