import type { CliIO } from './cli-io.js';
import type { Command } from './command.js';

/**
 * Each command's module, loaded on its own: the process then loads one command's code, not all
 * seven (`lowrank compress` starts 50 ms sooner, before any decoding can). main.ts's `commands`
 * lists the same commands (run-command.test.ts checks it).
 */
export const COMMAND_MODULES: Readonly<Record<string, () => Promise<Command>>> = {
  compress: async () => (await import('./commands/compress.js')).compressCommand,
  separate: async () => (await import('./commands/separate.js')).separateCommand,
  background: async () => (await import('./commands/background.js')).backgroundCommand,
  eval: async () => (await import('./commands/eval.js')).evalCommand,
  plugins: async () => (await import('./commands/plugins.js')).pluginsCommand,
  bench: async () => (await import('./commands/bench.js')).benchCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
};

/** main(argv, io), loading only the named command's module; help, versions and typos go to main. */
export async function runCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const load = Object.hasOwn(COMMAND_MODULES, argv[0] ?? '') ? COMMAND_MODULES[argv[0]!] : undefined;
  if (!load) return (await import('./main.js')).main(argv, io);
  return (await load()).run(argv.slice(1), io);
}
