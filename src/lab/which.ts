// Moved to src/os/which.ts (the runtime uses it too); kept importable from here.
export { which } from '../os/which.js';
