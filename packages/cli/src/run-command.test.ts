import { describe, expect, it } from 'vitest';
import { commands } from './main.js';
import { COMMAND_MODULES, runCommand } from './run-command.js';
import { captureIO } from './test-support.js';

describe('runCommand', () => {
  it("loads each of main's commands by name, and only those", async () => {
    expect(Object.keys(COMMAND_MODULES).sort()).toEqual(commands.map((c) => c.name).sort());
    for (const command of commands) expect(await COMMAND_MODULES[command.name]!()).toBe(command);
  });

  it('runs a command, and leaves help and unknown names to main', async () => {
    const help = captureIO();
    expect(await runCommand(['plugins', '--help'], help)).toBe(0);
    expect(help.out()).toMatch(/plugins/);
    const general = captureIO();
    expect(await runCommand(['--help'], general)).toBe(0);
    expect(general.out()).toMatch(/Commands:/);
    const typo = captureIO();
    expect(await runCommand(['compres'], typo)).toBe(2);
    expect(typo.err()).toMatch(/unknown command "compres"/);
  });
});
