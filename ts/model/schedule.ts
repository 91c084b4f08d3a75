/**
 * Learning-rate schedules, evaluated per optimiser step: constant, step decay, cosine annealing,
 * and cycles of c steps with t(i) = (mod(i − 1, c) + 1)/c at 1-based step i: FGE's triangle
 * (Garipov et al. 2018, lr → lrMin at t = ½ → lr), its cosine twin, and SWA's sawtooth (Izmailov et
 * al. 2018, α(i) = (1 − t)·lr + t·lrMin, lrMin at each cycle's end); each with an optional warm-up.
 */
import { ModeconnError } from '../errors.js';

export type Schedule =
  | { type: 'constant' }
  /** lr · gamma^⌊epoch / every⌋ (PyTorch StepLR, stepped per epoch). */
  | { type: 'step'; every: number; gamma?: number }
  /** lrMin + (lr − lrMin)·(1 + cos(π·s/S))/2 over all S steps (CosineAnnealingLR per step). */
  | { type: 'cosine'; lrMin?: number }
  /** Cycles of `cycle` epochs (rounded to whole steps), shaped by `shape` (default 'triangle'); see the module header. */
  | { type: 'cyclic'; cycle: number; lrMin: number; shape?: CycleShape };

/**
 * 'triangle': linear lr → lrMin over the first half of a cycle, back to lr over the second (FGE);
 * 'cosine': lrMin + (lr − lrMin)·(1 + cos 2πt)/2, the same ends and minimum, smooth;
 * 'sawtooth': (1 − t)·lr + t·lrMin, restarting at lr each cycle (SWA's cyclical schedule).
 */
export type CycleShape = 'triangle' | 'cosine' | 'sawtooth';

const SHAPES: readonly CycleShape[] = ['triangle', 'cosine', 'sawtooth'];

export interface ScheduleContext {
  /** Base (maximum) learning rate. */
  lr: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** Linear warm-up from lr/warmupSteps to lr over this many steps (0 = none). */
  warmupSteps?: number;
}

/** Validates a schedule, naming the bad field. */
export function checkSchedule(schedule: Schedule): void {
  const positive = (name: string, v: number | undefined) => {
    if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
      throw new ModeconnError('BAD_ARGUMENT', `schedule ${schedule.type}: ${name} must be a positive number, got ${v}`);
    }
  };
  switch (schedule.type) {
    case 'constant':
    case 'cosine':
      return;
    case 'step':
      positive('every', schedule.every);
      return;
    case 'cyclic':
      positive('cycle', schedule.cycle);
      positive('lrMin', schedule.lrMin);
      if (schedule.shape !== undefined && !SHAPES.includes(schedule.shape)) {
        throw new ModeconnError('BAD_ARGUMENT', `schedule cyclic: shape must be one of ${SHAPES.join(', ')}, got ${JSON.stringify(schedule.shape)}`);
      }
      return;
    default:
      throw new ModeconnError('BAD_ARGUMENT', `unknown schedule ${JSON.stringify((schedule as { type: unknown }).type)}; use constant, step, cosine or cyclic`);
  }
}

/** The learning rate of 0-based optimiser step `step`. */
export function learningRate(schedule: Schedule, step: number, ctx: ScheduleContext): number {
  const { lr, stepsPerEpoch, totalSteps, warmupSteps = 0 } = ctx;
  if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
  switch (schedule.type) {
    case 'constant':
      return lr;
    case 'step':
      return lr * (schedule.gamma ?? 0.1) ** Math.floor(step / stepsPerEpoch / schedule.every);
    case 'cosine': {
      const lrMin = schedule.lrMin ?? 0;
      return lrMin + ((lr - lrMin) * (1 + Math.cos((Math.PI * step) / Math.max(1, totalSteps)))) / 2;
    }
    case 'cyclic': {
      const cycle = cycleSteps(schedule, stepsPerEpoch);
      const t = ((step % cycle) + 1) / cycle;
      const { lrMin } = schedule;
      switch (schedule.shape ?? 'triangle') {
        case 'triangle':
          return t <= 0.5 ? (1 - 2 * t) * lr + 2 * t * lrMin : (2 - 2 * t) * lrMin + (2 * t - 1) * lr;
        case 'cosine':
          return lrMin + ((lr - lrMin) * (1 + Math.cos(2 * Math.PI * t))) / 2;
        case 'sawtooth':
          return (1 - t) * lr + t * lrMin;
      }
    }
  }
}

/** Steps per cycle of a cyclic schedule: `cycle` epochs rounded to whole steps (at least 1). */
export function cycleSteps(schedule: Extract<Schedule, { type: 'cyclic' }>, stepsPerEpoch: number): number {
  return Math.max(1, Math.round(schedule.cycle * stepsPerEpoch));
}

/**
 * The 1-based step within each cycle where the learning rate is lowest — where FGE snapshots and
 * cyclic SWA averages: ⌊c/2⌋ (t = ½ for even c; the first of the two equal minima for odd c) for the
 * triangle and cosine, c (t = 1) for the sawtooth. A cycle of one step has no minimum inside it.
 */
export function cycleMinimum(schedule: Extract<Schedule, { type: 'cyclic' }>, stepsPerEpoch: number): { steps: number; offset: number } {
  const steps = cycleSteps(schedule, stepsPerEpoch);
  if (steps < 2) {
    throw new ModeconnError('BAD_ARGUMENT', `a cycle of ${schedule.cycle} epochs is ${steps} step at ${stepsPerEpoch} steps an epoch; a cycle needs at least 2 steps`, {
      advice: 'lengthen the cycle',
    });
  }
  return { steps, offset: (schedule.shape ?? 'triangle') === 'sawtooth' ? steps : Math.floor(steps / 2) };
}
