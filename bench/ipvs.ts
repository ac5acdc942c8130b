// IPVS mode (UML: 10,000 services x 3 real servers, vipd vs ipvsadm -R): not implemented yet.
export async function runIpvsBench(_o: { services: number; outDir: string }): Promise<void> {
  throw new Error('ipvs mode is not implemented yet (issue 6): see bench/README.md');
}
