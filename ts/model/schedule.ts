/**
 * Learning-rate schedules, evaluated per optimiser step: constant, step decay, cosine annealing,
 * and the triangular cycle of fast geometric ensembling (Garipov et al. 2018), each with an
 * optional linear warm-up.
 */
import { ModeconnError } from '../errors.js';

export type Schedule =
  | { type: 'constant' }
  /** lr · gamma^⌊epoch / every⌋ (PyTorch StepLR, stepped per epoch). */
  | { type: 'step'; every: number; gamma?: number }
  /** lrMin + (lr − lrMin)·(1 + cos(π·s/S))/2 over all S steps (CosineAnnealingLR per step). */
  | { type: 'cosine'; lrMin?: number }
  /** FGE's triangle: per cycle of `cycle` epochs, lr → lrMin at mid-cycle → lr. */
  | { type: 'cyclic'; cycle: number; lrMin: number };

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
      const cycle = Math.max(1, Math.round(schedule.cycle * stepsPerEpoch));
      const t = ((step % cycle) + 1) / cycle;
      return t <= 0.5 ? (1 - 2 * t) * lr + 2 * t * schedule.lrMin : (2 - 2 * t) * schedule.lrMin + (2 * t - 1) * lr;
    }
  }
}
