/** Time as a dependency, so tests can move it and nothing reads the wall clock behind our back. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
