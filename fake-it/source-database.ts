/** Where the simulator's operations go. Each target is a small adapter behind this one interface. */
import type { FakeOp, WorkloadState } from './workload.ts';

export interface SourceDatabase {
  /** For logs: what and where, without secrets. */
  readonly description: string;
  /** Creates the schema if absent and says where the workload continues. */
  open(): Promise<WorkloadState>;
  /** Applies one operation as one transaction. */
  apply(op: FakeOp): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs one transaction again when the server aborted it for a reason that is about timing, not the
 * operation (a deadlock with a concurrent writer, a lock wait timeout, a table altered under it), as
 * any application writing to a shared database must. Other errors go to the caller.
 */
export async function retryingTransient(transaction: () => Promise<void>, isTransient: (err: unknown) => boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (err) {
      if (attempt >= 8 || !isTransient(err)) throw err;
      await Bun.sleep(10 * 2 ** attempt);
    }
  }
}
