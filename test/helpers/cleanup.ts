// Last-resort cleanup for tests: the same registry the lab uses (src/lab/cleanup.ts), so one set of
// exit/signal handlers removes everything a test or a lab left.
export { onCleanup } from '../../src/lab/cleanup.js';
