import { relative, resolve } from 'node:path';
import { InvalidInputError, toKebabCase } from '@lowrank/core';
import { backgroundPlate } from '@lowrank/pipelines';
import { type FlagDef, getBoolean, getNumber, getString, parseArgs } from '../args.js';
import { EXIT_OK, printJson } from '../cli-io.js';
import type { Command } from '../command.js';
import {
  commandHelp,
  FORCE_FLAG,
  guarded,
  HELP_FLAG,
  JSON_FLAG,
  loadPlugins,
  MEMORY_BUDGET_FLAG,
  memoryBudgetFromArgs,
  PLUGIN_FLAG,
  pickSeparation,
  progressFor,
} from '../command-support.js';
import { pluginFlagDefs, pluginOptionsFromArgs } from '../plugin-flags.js';
import { SEPARATE_FLAGS } from './separate.js';

const HANDLED = new Set(['rank']);
const KEPT = new Set(['method', 'rank', 'scale', 'start', 'count', 'color']);

const FLAGS: FlagDef[] = [
  ...SEPARATE_FLAGS.filter((f) => KEPT.has(f.name)),
  {
    name: 'out',
    kind: 'value',
    valueName: 'FILE',
    description: 'Where to write the plate (PNG; refused if it exists unless --force).',
    defaultText: '<input>-background.png beside the input',
  },
  FORCE_FLAG,
  MEMORY_BUDGET_FLAG,
  PLUGIN_FLAG,
  JSON_FLAG,
  HELP_FLAG,
];

export const backgroundCommand: Command = {
  name: 'background',
  summary: 'One still of the scene without what moves (a video, or a folder of photos from one spot).',
  run: (argv, io) =>
    guarded(io, async () => {
      const loaded = await loadPlugins(argv, io);
      const { plugin, explicit } = pickSeparation(loaded, argv, 'rpca', 'background');
      const pluginFlags = pluginFlagDefs(plugin, HANDLED);
      const args = parseArgs(
        argv,
        [...FLAGS, ...pluginFlags.filter((f) => !FLAGS.some((c) => c.name === f.name))],
        'background',
      );
      if (getBoolean(args, 'help')) {
        io.stdout.write(
          commandHelp({
            usage:
              'lowrank background <video | folder> [--out plate.png] [--method NAME] [--scale S] [--color] [--json]',
            description:
              'Separates the input and writes one picture of its background: the per-pixel median of L for batch methods (rpca, svd-background), the background after the last frame for streaming ones. The classic use: remove the tourists from photos of one scene taken from one spot.',
            flags: FLAGS,
            plugin,
            pluginFlags,
          }),
        );
        return EXIT_OK;
      }
      if (args.positionals.length !== 1) {
        throw new InvalidInputError(
          'lowrank background needs one video file or folder of frames (lowrank background INPUT).',
        );
      }
      const input = resolve(io.cwd, args.positionals[0]!);
      const out = resolve(
        io.cwd,
        getString(args, 'out') ?? input.replace(/(\.[^./\\]+)?$/, '-background.png'),
      );
      const json = getBoolean(args, 'json');
      const bar = progressFor(io, json);
      const rank = getNumber(args, 'rank', { integer: true, min: 1 });
      const scale = getNumber(args, 'scale', { min: 0, max: 1, exclusiveMin: true });
      const start = getNumber(args, 'start', { integer: true, min: 0 });
      const count = getNumber(args, 'count', { integer: true, min: 2 });
      const budget = memoryBudgetFromArgs(args);
      const plate = await backgroundPlate(
        input,
        {
          ...(explicit ? { method: plugin } : {}),
          methods: loaded.registry,
          ...(rank !== undefined ? { rank } : {}),
          ...(scale !== undefined ? { scale } : {}),
          ...(start !== undefined ? { start } : {}),
          ...(count !== undefined ? { count } : {}),
          color: getBoolean(args, 'color'),
          methodOptions: pluginOptionsFromArgs(plugin, args, HANDLED),
          out,
          overwrite: getBoolean(args, 'force'),
          ...(budget !== undefined ? { memoryBudgetBytes: budget } : {}),
          optionNames: {
            method: '--method',
            rank: '--rank',
            scale: '--scale',
            start: '--start',
            count: '--count',
            out: '--out',
            memoryBudget: '--memory-budget',
          },
          methodOptionName: (key) => `--${toKebabCase(key)}`,
        },
        {
          signal: io.signal,
          onStage: (s) => bar.stage(s),
          onProgress: bar.onProgress,
          onNote: (m) => io.stderr.write(`lowrank: ${m}\n`),
          onWarning: (m) => io.stderr.write(`lowrank: warning: ${m}\n`),
        },
      );
      bar.done();
      const result = {
        input,
        out,
        width: plate.width,
        height: plate.height,
        channels: plate.planes.length,
        frames: plate.frames,
        method: plate.method,
      };
      if (json) printJson(io, result);
      else
        io.stdout.write(
          `${plate.frames} frames of ${plate.width}x${plate.height} with ${plate.method}: wrote ${relative(io.cwd, out) || out}\n`,
        );
      return EXIT_OK;
    }),
};
