import type { CliIO } from './cli-io.js';

/** One `lowrank <name>` command: parses its own argv and returns the exit code. */
export interface Command {
  readonly name: string;
  /** One line for `lowrank --help`. */
  readonly summary: string;
  run(argv: readonly string[], io: CliIO): Promise<number>;
}
