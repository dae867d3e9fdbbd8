// The package's public API, export by export: a change here is a change users see (say so in a changeset).

import { describe, expect, it } from 'vitest';
import * as entry0 from './index.js';

describe('@lowrank/cli exports', () => {
  it('.', () => {
    expect(Object.keys(entry0).sort()).toEqual([
      'EXIT_CANCELLED',
      'EXIT_FAILURE',
      'EXIT_OK',
      'EXIT_USAGE',
      'cliVersion',
      'commands',
      'errorLine',
      'exitCodeFor',
      'generalHelp',
      'main',
      'processIO',
    ]);
  });
});
