// Soak mode (10 ms adverts, many VRIDs, CPUs saturated): not implemented yet.
export interface SoakResult { spuriousTransitions: number }
export async function runSoak(_o: { durationS: number; vrids: number; setups: Array<'vipd' | 'keepalived'>; load: boolean; outDir: string }): Promise<SoakResult[]> {
  throw new Error('soak mode is not implemented yet (issue 6): see bench/README.md');
}
