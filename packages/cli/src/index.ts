/**
 * @lowrank/cli: the `lowrank` command, also callable from code: `main(argv, io)` runs one command
 * line and resolves its exit code. The jobs themselves are in @lowrank/pipelines.
 */
export {
  type CliIO,
  EXIT_CANCELLED,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  errorLine,
  exitCodeFor,
  processIO,
} from './cli-io.js';
export type { Command } from './command.js';
export { cliVersion, commands, generalHelp, main } from './main.js';
