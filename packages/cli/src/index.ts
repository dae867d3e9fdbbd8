/** @lowrank/cli: the `lowrank` command, also callable from code (tests, other tools). */

export { type FlagDef, formatFlagHelp, type ParsedArgs, parseArgs } from './args.js';
export { createBenchContext } from './bench-context.js';
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
export {
  type CompressRequest,
  type CompressResult,
  compressImage,
  type RankRule,
  type SweepRow,
} from './commands/compress.js';
export { type DemoResult, runDemo } from './commands/demo.js';
export { type EvalResult, evaluateMaskFolders } from './commands/eval.js';
export { describePlugin, listPlugins, type PluginDescription } from './commands/plugins.js';
export {
  defaultOutDir,
  type SeparateRequest,
  type SeparateResult,
  separateVideo,
} from './commands/separate.js';
export { cliVersion, commands, generalHelp, main } from './main.js';
export { type MaskPair, matchMasks } from './mask-matching.js';
export {
  flagDefForOption,
  pluginFlagDefs,
  pluginOptionsFromArgs,
  validatePluginOptions,
} from './plugin-flags.js';
export { buildRegistry, type LoadedPlugins, resolvePluginSpecifier } from './plugin-loading.js';
export { ProgressBar, renderBar } from './progress-bar.js';
export { type DemoReportData, renderDemoReport } from './report/html-report.js';
