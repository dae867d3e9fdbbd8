import { readFileSync } from 'node:fs';
import { type CliIO, EXIT_OK, EXIT_USAGE } from './cli-io.js';
import type { Command } from './command.js';
import { backgroundCommand } from './commands/background.js';
import { benchCommand } from './commands/bench.js';
import { compressCommand } from './commands/compress.js';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { pluginsCommand } from './commands/plugins.js';
import { separateCommand } from './commands/separate.js';

export const commands: readonly Command[] = [
  compressCommand,
  separateCommand,
  backgroundCommand,
  evalCommand,
  pluginsCommand,
  benchCommand,
  demoCommand,
];

export function cliVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function generalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  return `lowrank ${cliVersion()}: low-rank structure in images and video.

Usage: lowrank <command> [arguments] [flags]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Every command takes --help. With --json a command prints one JSON object on stdout (bench: one per line).
Exit codes: 0 success, 2 bad usage or bad input, 1 internal failure, 130 cancelled (Ctrl-C).
`;
}

/** Runs the CLI with these arguments (without `node` and the script); resolves the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(generalHelp());
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(generalHelp());
    return EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${cliVersion()}\n`);
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(
      `lowrank: unknown command "${name}". Commands: ${commands.map((c) => c.name).join(', ')} (lowrank --help).\n`,
    );
    return EXIT_USAGE;
  }
  return command.run(rest, io);
}
