// Last-resort cleanup for labs run outside a test (bench, demo): synchronous functions that run on
// process exit and on SIGINT/SIGTERM/SIGHUP (then the process exits with 128+signal), so an
// interrupted run still removes its namespaces and kills its processes.
const actions = new Set<() => void>();
let installed = false;

/** Runs every registered cleanup now (synchronously); each runs once. */
export function runCleanups(): void {
  for (const fn of [...actions]) {
    actions.delete(fn);
    try {
      fn();
    } catch {
      // best effort: keep cleaning the rest
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runCleanups);
  const signals = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
  for (const [sig, num] of Object.entries(signals)) {
    process.on(sig, () => {
      runCleanups();
      process.exit(128 + num);
    });
  }
}

/** Registers a synchronous cleanup; returns a function that unregisters it (call it after a normal cleanup). */
export function onCleanup(fn: () => void): () => void {
  install();
  actions.add(fn);
  return () => {
    actions.delete(fn);
  };
}
