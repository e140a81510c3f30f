/**
 * CPU time per stage of the pipeline, on the thread that runs it (`ingest --timings`, and
 * lakehouse_stage_cpu_seconds_total in /metrics). Linux gives each thread's CPU time in nanoseconds
 * (/proc/thread-self/schedstat, opened once per thread: ~1 µs a read); elsewhere the clock falls back
 * to wall time.
 *
 * A stage nested in another is charged as `outer/inner`, and the outer one only its own time. Nesting
 * follows the calls, so only the pipeline's serial stages may await inside a measurement; anything
 * measured below them (encoding, SQLite statements) must be synchronous, or concurrent work would be
 * charged to whichever stage happens to be open.
 */
import { openSync, readSync } from 'node:fs';

/** This module is evaluated once per thread, so the file names this thread's task. */
let schedstat = openSchedstat();
const text = new Uint8Array(64);

function openSchedstat(): number | undefined {
  try {
    return process.platform === 'linux' ? openSync('/proc/thread-self/schedstat', 'r') : undefined;
  } catch {
    return undefined;
  }
}

/** This thread's CPU time so far, in nanoseconds (wall time where the OS does not say). */
export function threadCpuNs(): number {
  if (schedstat !== undefined) {
    try {
      // The first field, in decimal digits.
      const length = readSync(schedstat, text, 0, text.length, 0);
      let ns = 0;
      for (let i = 0; i < length; i++) {
        const digit = text[i]! - 48;
        if (digit < 0 || digit > 9) break;
        ns = ns * 10 + digit;
      }
      return ns;
    } catch {
      schedstat = undefined;
    }
  }
  return performance.now() * 1e6;
}

/** What the clock measures here: per-thread CPU time, or wall time. */
export function stageClockKind(): 'thread CPU' | 'wall' {
  threadCpuNs();
  return schedstat !== undefined ? 'thread CPU' : 'wall';
}

interface Frame {
  name: string;
  startNs: number;
  childNs: number;
  parent: Frame | undefined;
  closed: boolean;
}

export class StageClock {
  private readonly totals = new Map<string, number>();
  private open: Frame | undefined;

  /** Runs `work`, charging its CPU time (less that of stages nested in it) to `stage`. */
  measure<T>(stage: string, work: () => T): T {
    const frame = this.enter(stage);
    try {
      return work();
    } finally {
      this.leave(frame);
    }
  }

  /** `measure` for a stage that awaits: only for stages nothing else runs beside (see the module doc). */
  async measureAsync<T>(stage: string, work: () => Promise<T>): Promise<T> {
    const frame = this.enter(stage);
    try {
      return await work();
    } finally {
      this.leave(frame);
    }
  }

  /** Adds time measured elsewhere (another thread's stages), in nanoseconds. */
  add(totals: Readonly<Record<string, number>>): void {
    for (const [stage, ns] of Object.entries(totals)) this.totals.set(stage, (this.totals.get(stage) ?? 0) + ns);
  }

  /** The totals so far, in nanoseconds, and the clock starts again from zero (a batch's, sent to another thread). */
  take(): Record<string, number> {
    const taken = Object.fromEntries(this.totals);
    this.totals.clear();
    return taken;
  }

  /** Nanoseconds per stage so far. */
  snapshot(): ReadonlyMap<string, number> {
    return this.totals;
  }

  private enter(stage: string): Frame {
    const parent = this.open;
    const frame: Frame = { name: parent ? `${parent.name}/${stage}` : stage, startNs: threadCpuNs(), childNs: 0, parent, closed: false };
    this.open = frame;
    return frame;
  }

  private leave(frame: Frame): void {
    const elapsed = threadCpuNs() - frame.startNs;
    this.totals.set(frame.name, (this.totals.get(frame.name) ?? 0) + elapsed - frame.childNs);
    frame.closed = true;
    if (frame.parent && !frame.parent.closed) frame.parent.childNs += elapsed;
    // Async stages that overlap (which the module doc rules out, but a mistake must not stick) may
    // close out of order: the open stage is the innermost one still open.
    let open = this.open;
    while (open?.closed) open = open.parent;
    this.open = open;
  }
}

/** This thread's clock: every stage on a thread measures into it. */
export const stageClock = new StageClock();
