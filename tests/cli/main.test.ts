// The CLI's error boundary, in process (ts/cli/main.ts with a table of commands that fail on
// purpose): a plain Error or a non-Error thrown inside a command exits 1 with the internal-error
// line and the MODECONN_DEBUG hint; a ModeconnError exits 1 (130 when cancelled) with its code;
// a UsageError exits 2 naming the command. Nothing reaches stdout on failure.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModeconnError } from '../../ts/errors.js';
import { UsageError, type CommandSpec } from '../../ts/cli/args.js';
import { main, type CommandEntry } from '../../ts/cli/main.js';

const spec: CommandSpec = { name: 'boom', summary: 'fails on purpose', usage: 'modeconn boom', flags: {} };

/** A command table whose one command `boom` throws `error` when run. */
function failing(error: unknown): Record<string, CommandEntry> {
  return { boom: { summary: 'fails on purpose', load: async () => ({ spec, run: async () => Promise.reject(error) }) } };
}

/** Runs main with stdout and stderr captured. */
async function run(argv: string[], commands: Record<string, CommandEntry>, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  try {
    const code = await main(argv, commands);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  }
}

describe('modeconn error boundary (in process)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a plain Error inside a command exits 1 with the internal-error line', async () => {
    const { code, stdout, stderr } = await run(['boom'], failing(new Error('index out of range')), { MODECONN_DEBUG: '' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('modeconn: internal error: index out of range\nSet MODECONN_DEBUG=1 for the stack trace, and please report it.\n');
  });

  it('a thrown non-Error is an internal error too; MODECONN_DEBUG=1 prints the stack of an Error', async () => {
    const text = await run(['boom'], failing('plain text'), { MODECONN_DEBUG: '' });
    expect(text.code).toBe(1);
    expect(text.stderr.split('\n')[0]).toBe('modeconn: internal error: plain text');
    const error = new TypeError('x is undefined');
    const debug = await run(['boom'], failing(error), { MODECONN_DEBUG: '1' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toBe(`modeconn: internal error: x is undefined\n${error.stack}\n`);
  });

  it('a ModeconnError exits 1 with its code, CANCELLED exits 130, a UsageError exits 2', async () => {
    const typed = await run(['boom'], failing(new ModeconnError('BAD_FILE', 'a.safetensors is truncated')), { MODECONN_DEBUG: '' });
    expect(typed).toEqual({ code: 1, stdout: '', stderr: 'modeconn: a.safetensors is truncated [BAD_FILE]\n' });
    const cancelled = await run(['boom'], failing(new ModeconnError('CANCELLED', 'training cancelled in epoch 2')), { MODECONN_DEBUG: '' });
    expect(cancelled.code).toBe(130);
    expect(cancelled.stderr).toBe('modeconn: training cancelled in epoch 2 [CANCELLED]\n');
    const usage = await run(['boom', '--x'], failing(new UsageError('unknown option --x')));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("modeconn boom: unknown option --x\nRun 'modeconn boom --help' for usage.\n");
  });

  it('a command whose module fails to load is an internal error; an unknown command is a usage error', async () => {
    const broken: Record<string, CommandEntry> = { boom: { summary: 'never loads', load: () => Promise.reject(new Error('Cannot find module ./boom.js')) } };
    const loaded = await run(['boom'], broken, { MODECONN_DEBUG: '' });
    expect(loaded.code).toBe(1);
    expect(loaded.stderr.split('\n')[0]).toBe('modeconn: internal error: Cannot find module ./boom.js');
    const unknown = await run(['bom'], broken);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^modeconn: unknown command "bom"/);
  });
});
