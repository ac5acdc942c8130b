// For tests that must let time pass (a peer's timers), never to wait for a condition: use waitFor.
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
