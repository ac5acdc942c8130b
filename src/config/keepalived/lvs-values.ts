// Values shared by the LVS blocks: scheduler names and forwarding methods.
import type { Statement } from '../block-parser.js';
import { LVS_SCHEDULERS, type LvsMethod, type LvsScheduler } from '../types.js';
import { argText, fail } from '../values.js';

export function scheduler(st: Statement): LvsScheduler {
  const v = argText(st, 0, 'scheduler');
  if (!(LVS_SCHEDULERS as readonly string[]).includes(v)) {
    fail(st, `${st.keyword}: unknown scheduler '${v}' (one of ${LVS_SCHEDULERS.join(' ')})`);
  }
  return v as LvsScheduler;
}

export function lvsMethod(st: Statement): LvsMethod {
  const v = argText(st, 0, 'NAT, DR or TUN');
  if (v !== 'NAT' && v !== 'DR' && v !== 'TUN') fail(st, `${st.keyword}: '${v}' is not NAT, DR or TUN`);
  return v;
}
