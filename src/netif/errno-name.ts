// errno number -> name (ECONNREFUSED...), for SO_ERROR values and the addon's -errno results.
import { constants } from 'node:os';

let names: Map<number, string> | undefined;

export function errnoName(n: number): string {
  names ??= new Map(Object.entries(constants.errno).map(([k, v]) => [v, k]));
  return names.get(n) ?? `errno ${n}`;
}
