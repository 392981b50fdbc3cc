/**
 * Delay before retry number `failures` (1, 2, …): exponential, capped, with jitter in [50 %,
 * 100 %] of the step so that many subscriptions failing together do not retry in lock-step.
 */
export function backOff(failures: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 40));
  return Math.round(step / 2 + (step / 2) * random());
}
