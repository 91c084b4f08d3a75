/**
 * Reading the parts of a sharded run back (<dir>/shard-k-of-N.json) and checking that they make one
 * whole run: the same command, run hash, N and cell count; every k from 0 to N − 1 exactly once;
 * each part holding exactly shard k's cells. Then the cells in grid order, ready for the report writer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModeconnError } from '../errors.js';
import { parseExact } from '../io/exact-json.js';
import { cellsOfShard } from '../model/grid-cells.js';
import { runHash, type ShardPart } from './shard.js';

const PART_FILE = /^shard-(\d+)-of-(\d+)\.json$/;

/** A whole run assembled from its parts: shard 0's plan, every cell in order, each part's timing in shard order. */
export interface MergedRun {
  command: string;
  run: string;
  count: number;
  plan: unknown;
  cells: unknown[];
  timings: unknown[];
}

function readPart(file: string): ShardPart {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ModeconnError('IO_ERROR', `${file}: cannot read (${(cause as Error).message})`, { cause });
  }
  const part = parseExact(text, file) as ShardPart;
  const ok = part !== null && typeof part === 'object' && part.format === 'modeconn-shard' && part.formatVersion === 1
    && typeof part.command === 'string' && typeof part.run === 'string' && Number.isSafeInteger(part.total)
    && Number.isSafeInteger(part.shard?.index) && Number.isSafeInteger(part.shard?.count)
    && Array.isArray(part.indices) && Array.isArray(part.cells) && part.indices.length === part.cells.length;
  if (!ok) throw new ModeconnError('BAD_FILE', `${file}: not a modeconn shard part (format 1)`);
  if (runHash(part.command, part.total, part.plan) !== part.run) {
    throw new ModeconnError('BAD_FILE', `${file}: its plan does not match its run hash (edited or damaged)`);
  }
  return part;
}

/** Reads and checks every part in `dir`; SHARD_MISSING, SHARD_DUPLICATE or SHARD_MISMATCH naming the files when they do not make one run. */
export function readShardParts(dir: string): MergedRun {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => PART_FILE.test(f)).sort();
  } catch (cause) {
    throw new ModeconnError('IO_ERROR', `${dir}: cannot list (${(cause as Error).message})`, { cause });
  }
  if (names.length === 0) {
    throw new ModeconnError('SHARD_MISSING', `${dir} holds no shard parts (shard-k-of-N.json)`, { advice: 'run the command with --shard k/N and --out pointing here first' });
  }
  const parts = names.map((name) => ({ file: join(dir, name), part: readPart(join(dir, name)) }));
  const [first] = parts;
  for (const { file, part } of parts.slice(1)) {
    if (part.command !== first.part.command || part.run !== first.part.run || part.total !== first.part.total) {
      throw new ModeconnError('SHARD_MISMATCH',
        `${file} is from another run than ${first.file} (${part.command} run ${part.run.slice(0, 12)} vs ${first.part.command} run ${first.part.run.slice(0, 12)}): the inputs or options differ`,
        { advice: 'every shard must run the same command on the same files with the same options; remove the stray parts' });
    }
    if (part.shard.count !== first.part.shard.count) {
      throw new ModeconnError('SHARD_MISMATCH', `${file} is shard ${part.shard.index} of ${part.shard.count} but ${first.file} is of ${first.part.shard.count} shards`,
        { advice: 'merge the parts of one split only; remove the others' });
    }
  }
  const count = first.part.shard.count;
  const byIndex = new Map<number, { file: string; part: ShardPart }>();
  for (const entry of parts) {
    const { index } = entry.part.shard;
    const other = byIndex.get(index);
    if (other) throw new ModeconnError('SHARD_DUPLICATE', `${other.file} and ${entry.file} are both shard ${index} of ${count}`, { advice: 'keep one of them' });
    byIndex.set(index, entry);
  }
  const missing = Array.from({ length: count }, (_, k) => k).filter((k) => !byIndex.has(k));
  if (missing.length > 0) {
    throw new ModeconnError('SHARD_MISSING', `${dir}: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} ${missing.length > 1 ? 'are' : 'is'} missing (found ${byIndex.size})`,
      { advice: `rerun the missing shard${missing.length > 1 ? 's' : ''} with --shard k/${count}` });
  }
  const total = first.part.total;
  const cells: unknown[] = new Array(total);
  const timings: unknown[] = [];
  for (let k = 0; k < count; k++) {
    const { file, part } = byIndex.get(k)!;
    const expected = cellsOfShard(total, part.shard);
    if (expected.length !== part.indices.length || expected.some((c, j) => part.indices[j] !== c)) {
      throw new ModeconnError('BAD_FILE', `${file}: does not hold exactly the cells of shard ${k} of ${count}`);
    }
    expected.forEach((c, j) => (cells[c] = part.cells[j]));
    timings.push(part.timing);
  }
  return { command: first.part.command, run: first.part.run, count, plan: byIndex.get(0)!.part.plan, cells, timings };
}
