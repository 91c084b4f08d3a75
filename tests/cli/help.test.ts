// `--help`, `--version` and usage errors of the built CLI: exit codes 0 / 2 and readable messages.
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('modeconn help and usage errors (built cli)', () => {
  it('prints the command list with --help, and exits 2 without a command', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: modeconn <command>/);
    expect(help.stdout).toMatch(/^ {2}train /m);
    expect(help.stdout).toMatch(/^ {2}eval /m);
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toMatch(/Commands:/);
  });

  it.each([['train'], ['eval']])('prints %s --help with every flag', async (command) => {
    const { code, stdout } = await runCli([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: modeconn ${command} `));
    expect(stdout).toMatch(/--data <spec>/);
    expect(stdout).toMatch(/-h, --help/);
    const viaHelp = await runCli(['help', command]);
    expect(viaHelp.stdout).toBe(stdout);
  });

  it('prints the package version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^modeconn \d+\.\d+\.\d+/);
  });

  const base = ['train', '--arch', 'mlp:784-64-10', '--data', 'mnist', '--out', '/tmp/modeconn-never-written'];
  it.each([
    [[...base, '--bogus', '1'], /unknown flag --bogus/],
    [[...base, '--epoch', '2'], /unknown flag --epoch; did you mean --epochs\?/],
    [[...base, '--epochs', 'two'], /--epochs needs an integer, got "two"/],
    [[...base, '--epochs', '0'], /--epochs must be at least 1/],
    [[...base, '--lr'], /--lr needs a value/],
    [[...base, '--optimizer', 'rmsprop'], /--optimizer must be one of sgd, adam/],
    [[...base, '--schedule', 'step:gamma=0.5'], /--schedule step:gamma=0.5: needs every=/],
    [[...base, '--seed', '1', '--seed', '2'], /--seed is given twice/],
    [['train', '--arch', 'mlp:784-64-3', '--data', 'mnist', '--out', '/tmp/x'], /output size 3 does not match the data's 10 classes/],
    [['train', '--arch', 'mlp:100-10', '--data', 'mnist', '--out', '/tmp/x'], /input size 100 does not match/],
    [['train', '--arch', 'cnn:3', '--data', 'mnist', '--out', '/tmp/x'], /unknown family "cnn"/],
    [['train', '--arch', 'mlp:784-10', '--data', 'cifar', '--out', '/tmp/x'], /unknown data set "cifar"/],
    [['train', '--arch', 'mlp:784-10', '--data', 'mnist'], /--out is required/],
    [['train', '--data', 'mnist', '--out', '/tmp/x'], /--arch or --arch-file is required/],
    [['eval', '--data', 'mnist'], /--model is required/],
    [['eval', '--model', 'm.safetensors', '--data', 'mnist', '--split', 'valid'], /--split must be one of test, train/],
    [['trian'], /unknown command "trian"; did you mean train\?/],
  ])('exits 2 on %j', async (args, message) => {
    const { code, stderr, stdout } = await runCli(args as string[]);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/--help' for usage/);
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });
});
