// The CLI's building blocks on their own: flag parser, spec parsers, tables, progress output.
import { describe, expect, it } from 'vitest';
import { formatHelp, parseArgs, UsageError, type CommandSpec } from '../../ts/cli/args.js';
import { ProgressBar, formatDuration } from '../../ts/cli/progress.js';
import { parseArchSpec, parseSchedule } from '../../ts/cli/specs.js';
import { formatTable } from '../../ts/cli/table.js';

const spec = {
  name: 'demo',
  summary: 'a demo',
  usage: 'modeconn demo',
  flags: {
    out: { kind: 'string', required: true, help: 'dir' },
    batchSize: { kind: 'int', default: 128, min: 1, help: 'n' },
    lr: { kind: 'number', help: 'rate' },
    nesterov: { kind: 'boolean', help: 'flag' },
    quiet: { kind: 'boolean', short: 'q', help: 'quiet' },
  },
} as const satisfies CommandSpec;

describe('parseArgs', () => {
  it('parses the forms and types, with defaults', () => {
    const a = parseArgs(spec, ['--out', 'd', '--batch-size=64', '--lr', '1e-3', '--nesterov', '-q']);
    expect(a).toEqual({ help: false, out: 'd', batchSize: 64, lr: 0.001, nesterov: true, quiet: true });
    const b = parseArgs(spec, ['--out=d', '--no-nesterov']);
    expect(b).toEqual({ help: false, out: 'd', batchSize: 128, nesterov: false, quiet: false });
    expect(b.lr).toBeUndefined();
    expect(parseArgs(spec, ['--help']).help).toBe(true); // required flags are not checked with --help
  });

  it.each([
    [['--out', 'd', '--batch-size', '1.5'], /--batch-size needs an integer/],
    [['--out', 'd', '--lr', 'fast'], /--lr needs a number/],
    [['--out', 'd', '--nesterov=maybe'], /--nesterov takes no value or true\/false/],
    [['--out', 'd', 'extra'], /unexpected argument "extra"/],
    [['--out', 'd', '-x'], /unknown flag -x/],
    [['--out', 'd', '--batchsize', '3'], /did you mean --batch-size/],
    [['--out', '--lr', '1'], /--out needs a value/],
    [[], /--out is required/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(spec, argv as string[])).toThrow(UsageError);
    expect(() => parseArgs(spec, argv as string[])).toThrow(message);
  });

  it('formats help with kebab-case flags and defaults', () => {
    const help = formatHelp(spec);
    expect(help).toMatch(/--batch-size <int> +n \(default 128\)/);
    expect(help).toMatch(/-q, --quiet/);
    expect(help).toMatch(/--out <string> +dir \(required\)/);
  });
});

describe('spec parsers', () => {
  const images = { shape: [1, 28, 28], classes: 10 };
  it('builds mlp, vgg and resnet archs for the data', () => {
    const m = parseArchSpec('mlp:784-32-16-10+bn+dropout=0.1', images);
    expect(m.layers.map((l) => l.type)).toEqual(['flatten', 'dense', 'batchnorm', 'relu', 'dropout', 'dense', 'batchnorm', 'relu', 'dropout', 'dense']);
    expect(parseArchSpec('mlp:2-8-3', { shape: [2], classes: 3 }).input).toEqual([2]);
    const v = parseArchSpec('vgg:8-M-16-M+bn+hidden=32', images);
    expect(v.layers.filter((l) => l.type === 'conv2d')).toHaveLength(2);
    expect(v.layers.filter((l) => l.type === 'maxpool')).toHaveLength(2);
    const r = parseArchSpec('resnet:8x1-1', images);
    expect(r.layers.filter((l) => l.type === 'residual')).toHaveLength(2);
    expect(() => parseArchSpec('vgg:8-M', { shape: [2], classes: 2 })).toThrow(/needs image data/);
    expect(() => parseArchSpec('mlp:784-0-10', images)).toThrow(/"0" is not a positive integer/);
    expect(() => parseArchSpec('mlp:784-10+dropout=2', images)).toThrow(UsageError);
  });

  it('parses schedules', () => {
    expect(parseSchedule('constant')).toEqual({ type: 'constant' });
    expect(parseSchedule('step:every=2,gamma=0.5')).toEqual({ type: 'step', every: 2, gamma: 0.5 });
    expect(parseSchedule('cosine')).toEqual({ type: 'cosine', lrMin: 0 });
    expect(parseSchedule('cyclic:cycle=2,min=0.001')).toEqual({ type: 'cyclic', cycle: 2, lrMin: 0.001 });
    expect(parseSchedule('cyclic-cosine:cycle=2,min=0.001')).toEqual({ type: 'cyclic', cycle: 2, lrMin: 0.001, shape: 'cosine' });
    expect(parseSchedule('sawtooth:cycle=1,min=0.01')).toEqual({ type: 'cyclic', cycle: 1, lrMin: 0.01, shape: 'sawtooth' });
    expect(() => parseSchedule('step:every=2,gama=1')).toThrow(/expected key=value with key every, gamma/);
    expect(() => parseSchedule('linear')).toThrow(/unknown schedule "linear"/);
  });
});

describe('tables and progress', () => {
  it('aligns numeric columns right and text left', () => {
    const text = formatTable(['name', 'loss'], [['a', '0.5'], ['long name', '12.25']]);
    expect(text.split('\n')).toEqual(['name        loss', '---------  -----', 'a            0.5', 'long name  12.25', '']);
  });

  it('prints a line per 10% when not a TTY, redraws in place on a TTY, and nothing when quiet', () => {
    const lines: string[] = [];
    const plain = new ProgressBar({ label: 'x', stream: { write: (s: string) => lines.push(s) }, tty: false });
    for (let i = 1; i <= 100; i++) plain.update({ fraction: i / 100, loss: 1 / i });
    expect(lines).toHaveLength(10);
    expect(lines[9]).toMatch(/^x +100% +\d+:\d\d eta 0:00 +loss 0\.01000\n$/);

    const tty: string[] = [];
    const bar = new ProgressBar({ label: 'x', interval: 0, tty: true, stream: { write: (s: string) => tty.push(s), isTTY: true, columns: 100 } });
    bar.update({ fraction: 0.5, loss: 0.25, detail: 'epoch 1/2' });
    bar.note('done with epoch 1');
    bar.done();
    expect(tty[0]).toMatch(/^\r\x1b\[2Kx +\[#+\.+\] +50% .*epoch 1\/2 +loss 0\.2500$/);
    const [, hashes, dots] = /\[(#+)(\.+)\]/.exec(tty[0])!;
    expect(hashes.length).toBe(dots.length);
    expect(tty[0].length - 4).toBeLessThan(100); // fits the terminal's 100 columns
    expect(tty).toContain('done with epoch 1\n');
    expect(tty[tty.length - 1]).toBe('\r\x1b[2K');

    const silent: string[] = [];
    const quiet = new ProgressBar({ label: 'x', quiet: true, stream: { write: (s: string) => silent.push(s) } });
    quiet.update({ fraction: 1 });
    quiet.note('hello');
    expect(silent).toEqual([]);
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});
