/**
 * The `modeconn` command: dispatches to subcommands (each loaded only when run), prints help and
 * the version, and turns errors into one line on stderr. Exit codes: 0 success, 1 a ModeconnError
 * (or an internal error), 2 a usage error, 130 cancelled by SIGINT (Ctrl-C), 143 by SIGTERM.
 */
import { ModeconnError } from '../errors.js';
import { formatHelp, suggest, UsageError, type CommandSpec } from './args.js';
import { libraryVersion } from './manifest.js';
import { cancelledExitCode } from './signals.js';
import { setExactKernels } from '../wasm/kernel-choice.js';

/** A subcommand module: its spec (for --help) and its run function (returns the exit code). */
export interface CommandModule {
  spec: CommandSpec;
  run(argv: string[]): Promise<number>;
}

/** A subcommand as `main` sees it: a help line and a lazy loader. */
export interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

/** The subcommands, in help order; later ones (path, curve, demo) add a line here. */
const COMMANDS: Record<string, CommandEntry> = {
  train: { summary: 'train a network; write model.safetensors and train.json', load: () => import('./train.js') },
  eval: { summary: 'evaluate a saved model: loss and accuracy, overall and per class', load: () => import('./eval.js') },
  path: { summary: 'evaluate the line between two models (or a saved curve); report, plots, barriers', load: () => import('./path.js') },
  curve: { summary: 'fit a Bezier or polygonal curve between two models; save and evaluate it', load: () => import('./curve.js') },
  autoneb: { summary: 'a minimum-energy path between two models by AutoNEB; save and evaluate it', load: () => import('./autoneb.js') },
  align: { summary: 'permute B\'s hidden units to match A (weight or activation matching); write the aligned B', load: () => import('./align.js') },
  explain: { summary: 'how much of the barrier between A and B each symmetry explains (scale, permutation, BN, REPAIR)', load: () => import('./explain.js') },
  landscape: { summary: 'loss over a grid around one model, along two, or on the plane through three', load: () => import('./landscape.js') },
  stability: { summary: 'dropout and noise stability of two nets and the paths of Kuditipudi et al. (Theorems 1 and 2)', load: () => import('./stability.js') },
  counterexample: { summary: 'global minimisers no path joins (Kuditipudi et al.): barriers of every path method vs a wider net', load: () => import('./counterexample.js') },
  trajectory: { summary: 'train with snapshots; PCA of the trajectory and the loss on its plane (Li et al. Fig. 9)', load: () => import('./trajectory.js') },
  subspace: { summary: 'intrinsic dimension: train in random subspaces of growing d; the smallest d reaching 90% of the full model', load: () => import('./subspace.js') },
  hessian: { summary: 'Hessian spectrum of a model (top eigenvalues, trace, density, per layer) and along a path', load: () => import('./hessian.js') },
  conditions: { summary: 'Nguyen et al.\'s conditions on two MLPs: feature probes vs pruning, their path and its bound', load: () => import('./conditions.js') },
  widths: { summary: 'width sweep: barriers, constructed path, probes and dropout ε from below √N to above N', load: () => import('./widths.js') },
  merge: { summary: 'merge N models: MergeMany (weight matching to the running average), naive average or model soups', load: () => import('./merge.js') },
  instability: { summary: 'instability analysis: barrier between two children spawned at step k, against k (Frankle et al.)', load: () => import('./instability.js') },
  simplex: { summary: 'grow a simplex of low loss from trained models; evaluate its interior and ensemble', load: () => import('./simplex.js') },
  fge: { summary: 'fast geometric ensembling: cyclic-lr snapshots of one network and their ensemble', load: () => import('./fge.js') },
  swa: { summary: 'stochastic weight averaging against the SGD iterate, with the width and line geometry', load: () => import('./swa.js') },
  ensembles: { summary: 'compare independent, FGE, SWA, curve and simplex ensembles at equal training budget', load: () => import('./ensembles.js') },
  'merge-shards': { summary: 'assemble the report of a sharded run (--shard k/N) from its parts', load: () => import('./merge-shards.js') },
  convert: { summary: 'convert a model file between formats (safetensors, ONNX)', load: () => import('./convert.js') },
  demo: { summary: 'the main job on the MNIST digits: two MLPs, the line and a fitted curve', load: () => import('./demo.js') },
  bench: { summary: 'benchmark this machine: GEMM kernels (simd128, relaxed SIMD, TS twin, native) and a training epoch', load: () => import('./bench.js') },
};

function globalHelp(commands: Record<string, CommandEntry>): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length)) + 2;
  return [
    'Usage: modeconn <command> [options]',
    '',
    'Mode connectivity of neural networks: train, evaluate and connect models on a SIMD WebAssembly core.',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help (`modeconn <command> --help` for a command)',
    '  -v, --version  print the version',
    '  --exact        (with any command) run the simd128 kernels, whose bits are the same on every',
    '                 machine and engine, instead of relaxed SIMD (fused multiply-add) where it exists',
    '',
    'Environment: MODECONN_DEBUG=1 prints stack traces with errors; MODECONN_EXACT=1 is --exact.',
    '',
  ].join('\n');
}

/**
 * Runs the CLI on `argv` (the arguments after `modeconn`); resolves to the exit code. `commands`
 * replaces the table of subcommands (tests use it to run a command that fails in a given way).
 */
export async function main(argv: string[], commands: Record<string, CommandEntry> = COMMANDS): Promise<number> {
  // --exact belongs to every command: taken out here, before a command's own flags are parsed.
  if (argv.includes('--exact') || process.env.MODECONN_EXACT === '1') setExactKernels(true);
  const [first, ...rest] = argv.filter((a) => a !== '--exact');
  const command = first !== undefined && !first.startsWith('-') ? first : undefined;
  try {
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      const topic = first === 'help' ? rest[0] : undefined;
      if (topic !== undefined && topic in commands) return printHelp((await commands[topic].load()).spec);
      process.stdout.write(globalHelp(commands));
      return first === undefined ? 2 : 0;
    }
    if (first === '--version' || first === '-v') {
      process.stdout.write(`modeconn ${libraryVersion()}\n`);
      return 0;
    }
    if (command === undefined) throw new UsageError(`unknown option ${first}; a command comes first`);
    const entry = commands[command];
    if (!entry) throw new UsageError(`unknown command ${JSON.stringify(command)}${suggest(command, Object.keys(commands), '')}`);
    const module = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) return printHelp(module.spec);
    return await module.run(rest);
  } catch (error) {
    return report(error, command !== undefined && command in commands ? command : undefined);
  }
}

function printHelp(spec: CommandSpec): number {
  process.stdout.write(formatHelp(spec));
  return 0;
}

/** Prints an error as one line (plus advice) and returns its exit code; `command` is a known subcommand or undefined. */
function report(error: unknown, command: string | undefined): number {
  const debug = process.env.MODECONN_DEBUG === '1';
  const prefix = command ? `modeconn ${command}` : 'modeconn';
  if (error instanceof UsageError) {
    process.stderr.write(`${prefix}: ${error.message}\nRun '${prefix} --help' for usage.\n`);
    return 2;
  }
  if (error instanceof ModeconnError) {
    process.stderr.write(`modeconn: ${error.message} [${error.code}]\n`);
    if (debug) process.stderr.write(`${error.stack}\n`);
    return error.code === 'CANCELLED' ? cancelledExitCode() : 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`modeconn: internal error: ${message}\n`);
  process.stderr.write(debug && error instanceof Error ? `${error.stack}\n` : 'Set MODECONN_DEBUG=1 for the stack trace, and please report it.\n');
  return 1;
}
