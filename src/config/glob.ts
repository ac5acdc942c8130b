// Include patterns: csh-style braces ({a,b}), then *, ? and [...] per path component, as
// glob(3) does for keepalived's `include`. Matches are sorted per pattern, like glob(3).
import * as path from 'node:path';
import type { ConfigFs } from './fs.js';

export function hasGlobMagic(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

/** `a{b,c{d,e}}f` -> [abf, acdf, acef]. Unbalanced braces stay literal. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        const pre = pattern.slice(0, open);
        const post = pattern.slice(i + 1);
        const cuts = [open, ...commas, i];
        const out: string[] = [];
        for (let k = 0; k + 1 < cuts.length; k++) {
          const alt = pattern.slice(cuts[k]! + 1, cuts[k + 1]);
          for (const e of expandBraces(pre + alt + post)) out.push(e);
        }
        return out;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  // No matching close brace: treat the rest literally, but keep expanding after it.
  return expandBraces(pattern.slice(open + 1)).map((rest) => pattern.slice(0, open + 1) + rest);
}

/** One path component against a pattern of *, ? and [...] (leading dot must match explicitly). */
export function matchComponent(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  return new RegExp(`^${componentRegex(pattern)}$`, 's').test(name);
}

function componentRegex(pattern: string): string {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[++i]!);
    } else re += escapeRe(c);
  }
  return re;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Existing paths matching an absolute pattern. Non-magic patterns return themselves if they exist. */
export function globPaths(fs: ConfigFs, absPattern: string): string[] {
  const out: string[] = [];
  for (const pat of expandBraces(absPattern)) {
    const found: string[] = [];
    walk(fs, '/', pat.split('/').filter(Boolean), found);
    found.sort();
    for (const f of found) if (!out.includes(f)) out.push(f);
  }
  return out;
}

function walk(fs: ConfigFs, dir: string, parts: string[], out: string[]): void {
  const [head, ...rest] = parts;
  if (head === undefined) {
    if (fs.stat(dir) !== undefined) out.push(dir);
    return;
  }
  if (!/[*?[]/.test(head)) {
    const next = path.join(dir, head);
    if (rest.length === 0) {
      if (fs.stat(next) !== undefined) out.push(next);
    } else if (fs.stat(next) === 'directory') walk(fs, next, rest, out);
    return;
  }
  if (fs.stat(dir) !== 'directory') return;
  let names: string[];
  try {
    names = fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names.sort()) {
    if (!matchComponent(head, name)) continue;
    const next = path.join(dir, name);
    if (rest.length === 0) out.push(next);
    else if (fs.stat(next) === 'directory') walk(fs, next, rest, out);
  }
}
