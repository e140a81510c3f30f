/** Target: the embedded SQLite voters book with its Debezium outbox. */
import type { SourceDatabase } from './source-database.ts';
import { VotersBook, type VotersBookOptions } from './voters-book.ts';
import type { FakeOp, WorkloadState } from './workload.ts';

export class EmbeddedTarget implements SourceDatabase {
  readonly description: string;
  private book: VotersBook | undefined;

  constructor(
    private readonly path: string,
    private readonly options: VotersBookOptions,
  ) {
    this.description = `embedded voters book ${path}`;
  }

  async open(): Promise<WorkloadState> {
    this.book = VotersBook.open(this.path, this.options);
    return this.book.resumeState();
  }

  async apply(op: FakeOp): Promise<void> {
    this.book!.apply(op);
  }

  async close(): Promise<void> {
    this.book?.close();
  }
}
