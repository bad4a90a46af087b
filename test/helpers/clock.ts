import type { Clock } from '../../src/core/clock.js';

/** A clock that tests move by hand (lockout windows, token expiry). Starts at the real time. */
export class ManualClock implements Clock {
  private t = Date.now();

  now(): Date {
    return new Date(this.t);
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
