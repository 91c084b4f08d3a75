/**
 * Positional arguments for commands such as `modeconn path A B --data mnist`: splits them from the
 * flags (a non-boolean `--flag` without `=` takes the next token as its value), so parseArgs sees flags only.
 */
import { kebab, UsageError, type CommandSpec } from './args.js';

/** The positionals of `argv` (tokens not starting with '-', not a flag's value) and the rest. */
export function splitPositionals(spec: CommandSpec, argv: readonly string[]): { positionals: string[]; flags: string[] } {
  const valued = new Set(Object.entries(spec.flags).filter(([, f]) => f.kind !== 'boolean').map(([k]) => `--${kebab(k)}`));
  const positionals: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    flags.push(token);
    if (valued.has(token) && i + 1 < argv.length) flags.push(argv[++i]);
  }
  return { positionals, flags };
}

/** Exactly `names.length` positionals, or a usage error naming the missing ones. */
export function expectPositionals(positionals: string[], names: string[], usage: string): string[] {
  if (positionals.length < names.length) throw new UsageError(`missing ${names.slice(positionals.length).join(' and ')}; usage: ${usage}`);
  if (positionals.length > names.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[names.length])}`);
  return positionals;
}
