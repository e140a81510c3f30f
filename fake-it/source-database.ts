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
