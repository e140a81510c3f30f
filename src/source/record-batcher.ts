/**
 * Turns a stream of fetched records into deliveries by the flush policy: a batch goes out when it holds
 * `maxRecords` or `maxBytes`, or `maxLatencyMs` after its first record arrived. One delivery runs at a time, in
 * order; `add` waits while a full batch is being delivered, so a slow pipeline slows the fetching
 * (backpressure) and memory stays bounded by about two batches plus one fetch.
 *
 * When the source says it has caught up (nothing more is fetched yet), waiting cannot fill the batch
 * any further, so what is pending goes out as soon as no delivery is running: a group commit. Under
 * load the pipeline is busy and batches grow on their own; at low rates records wait for one commit
 * instead of the full latency budget.
 */
import type { KafkaRecord } from '../cdc/index.ts';
import type { FlushPolicy } from './source.ts';

export class RecordBatcher {
  private pending: KafkaRecord[] = [];
  private pendingBytes = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delivering: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private inFlight = 0;
  private caughtUp = false;

  constructor(
    private readonly policy: FlushPolicy,
    /** Delivers one batch; a rejection stops the batcher and is rethrown by every later call. */
    private readonly deliver: (records: KafkaRecord[]) => Promise<void>,
  ) {}

  /** Records accepted but not yet handed to `deliver`. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * Accepts records. Full batches start delivering at once; the call then waits for the deliveries
   * queued before it, so fetching runs one batch ahead of the pipeline and no further. `caughtUp`:
   * these are the newest records the source has.
   */
  async add(records: readonly KafkaRecord[], caughtUp = false): Promise<void> {
    this.throwIfFailed();
    for (const r of records) {
      this.pending.push(r);
      this.pendingBytes += recordBytes(r);
    }
    this.caughtUp = caughtUp;
    if (caughtUp && this.inFlight === 0) {
      this.queue(true);
      return;
    }
    if (this.pending.length >= this.policy.maxRecords || this.pendingBytes >= this.maxBytes) {
      const earlier = this.delivering;
      this.queue(false);
      await earlier.catch(() => {});
      this.throwIfFailed();
    }
    if (this.pending.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush().catch(() => {}), this.policy.maxLatencyMs);
    }
  }

  /** Delivers everything pending; resolves when all of it has been delivered. */
  async flush(): Promise<void> {
    this.queue(true);
    await this.delivering.catch(() => {});
    this.throwIfFailed();
  }

  private get maxBytes(): number {
    return this.policy.maxBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Queues full batches, and with `all` the partial rest too. */
  private queue(all: boolean): void {
    let start = 0;
    for (;;) {
      // The next batch: up to maxRecords, ending with the record that reaches maxBytes.
      let end = start;
      let bytes = 0;
      while (end < this.pending.length && end - start < this.policy.maxRecords && bytes < this.maxBytes) bytes += recordBytes(this.pending[end++]!);
      const full = end - start >= this.policy.maxRecords || bytes >= this.maxBytes;
      if (end === start || (!full && !all)) break;
      const batch = this.pending.slice(start, end);
      start = end;
      this.pendingBytes -= bytes;
      this.inFlight++;
      this.delivering = this.delivering.then(() => this.deliver(batch)).finally(() => this.settled());
      this.delivering.catch((error) => (this.failure ??= { error }));
    }
    this.pending = start === 0 ? this.pending : this.pending.slice(start);
    if (this.pending.length === 0) {
      this.pendingBytes = 0;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private settled(): void {
    if (--this.inFlight === 0 && this.caughtUp && this.pending.length > 0 && !this.failure) this.queue(true);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

/** A record's size as the batch limit counts it: its key and value text. */
const recordBytes = (r: KafkaRecord): number => (r.key?.length ?? 0) + (r.value?.length ?? 0);
