// One bench run's frame: its output directory, the machine and versions, the progress line, and
// at the end the files every mode writes: <mode>.json (everything measured), <mode>.txt (the
// tables) and report.html (one page: command, machine, versions, tables, charts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectMachine, collectVersions, finishMachine } from './machine.js';
import { Progress } from './progress.js';
import { machineLine, renderReportPage, type MachineInfo, type ReportSection, type Versions } from './report.js';

export interface BenchRun {
  mode: string;
  command: string;
  outDir: string;
  started: Date;
  machine: MachineInfo;
  versions: Versions;
  progress: Progress;
  out: NodeJS.WritableStream;
  /** Writes the JSON, the text and the page; prints the tables and where they went. */
  finish(o: { title: string; sections: ReportSection[]; json: Record<string, unknown> }): void;
}

export function startRun(o: { mode: string; command: string; outDir: string; out?: NodeJS.WritableStream; uml?: boolean }): BenchRun {
  const out = o.out ?? process.stdout;
  const progress = new Progress(out);
  const machine = collectMachine();
  const versions = collectVersions({ uml: o.uml });
  const started = new Date();
  progress.line(`${o.mode}: ${machineLine(machine, versions)}`);
  progress.line(`command: ${o.command}`);
  progress.line(`output: ${o.outDir}`);
  return {
    mode: o.mode, command: o.command, outDir: o.outDir, started, machine, versions, progress, out,
    finish: (f) => {
      progress.done();
      const m = finishMachine(machine);
      const finished = new Date();
      mkdirSync(o.outDir, { recursive: true });
      const text = [
        `${f.title}`,
        `${started.toISOString()} .. ${finished.toISOString()}`,
        machineLine(m, versions),
        `command: ${o.command}`,
        '',
        ...f.sections.flatMap((s) => [`## ${s.heading}`, ...(s.notes ?? []), ...(s.table ? [s.table] : []), '']),
      ].join('\n');
      writeFileSync(join(o.outDir, `${o.mode}.txt`), `${text}\n`);
      writeFileSync(join(o.outDir, `${o.mode}.json`), `${JSON.stringify({
        mode: o.mode, command: o.command, started: started.toISOString(), finished: finished.toISOString(), machine: m, versions, ...f.json,
      }, null, 2)}\n`);
      writeFileSync(join(o.outDir, 'report.html'), renderReportPage({
        title: f.title, command: o.command, started: started.toISOString(), finished: finished.toISOString(), machine: m, versions, sections: f.sections,
      }));
      out.write(`\n${f.sections.map((s) => [`## ${s.heading}`, ...(s.notes ?? []), ...(s.table ? [s.table] : [])].join('\n')).join('\n\n')}\n\n`);
      out.write(`load ${m.loadStart.map((x) => x.toFixed(2)).join(' ')} -> ${m.loadEnd!.map((x) => x.toFixed(2)).join(' ')}\n`);
      out.write(`wrote ${join(o.outDir, 'report.html')}, ${o.mode}.json, ${o.mode}.txt\n`);
      out.write(`re-run: ${o.command}\n`);
    },
  };
}
