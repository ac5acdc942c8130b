// A real server's weight under its dynamic checkers, pure: MISC_CHECK misc_dynamic asks for a
// weight in place of the configured one, FILE_CHECK adds to it; every checker's say adds up as a
// difference from the configured weight (keepalived 2.2.7: weight 10 with misc exits 12 and 7 ->
// 10 + 0 - 5 = 5; a file value of 70000 and a misc exit 7 -> 70005). The kernel takes 0..2^31-1.
import type { WeightEffect } from '../../health/index.js';

const MAX_WEIGHT = 0x7fffffff;

export function effectiveWeight(configured: number, effects: ReadonlyArray<WeightEffect | undefined>): number {
  let w = configured;
  for (const e of effects) {
    if (!e) continue;
    w += 'set' in e ? e.set - configured : e.add;
  }
  return Math.max(0, Math.min(MAX_WEIGHT, w));
}
