// Argument parsing only: turns argv into a command for the daemon or a tool.
import yargs from 'yargs';
import { VERSION } from '../version.js';

export async function runCli(argv: string[]): Promise<number> {
  let exit = 0;
  await yargs(argv)
    .scriptName('vipd')
    .version(`vipd ${VERSION}`)
    .alias('v', 'version')
    .help()
    .alias('h', 'help')
    .strict()
    .parseAsync();
  return exit;
}
