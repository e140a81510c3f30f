/**
 * The embedded default: the fake-it voters-book simulator runs in this process against its own SQLite
 * "application database", whose change capture writes Debezium PostgreSQL records to an outbox in the
 * same transaction as each change. This source reads that outbox like a Kafka consumer reads a topic,
 * so the records take exactly the path real Kafka records take.
 *
 * Resuming: bronze stores the last offset per topic. The outbox is delivered in position order and
 * bronze commits whole batches, so what bronze holds is a prefix of the outbox; a binary search over
 * positions finds its end.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KafkaRecord } from '../../cdc/index.ts';
import type { Logger } from '../../core/log.ts';
import { VotersBook, runFakeIt, EmbeddedTarget, type FakeItSummary } from '../../../fake-it/index.ts';
import type { SourceInfo } from '../../pipeline/lakehouse-view.ts';
import { defaultFlushPolicy, type FlushPolicy, type RecordSource } from '../source.ts';
import { sleep } from '../backoff.ts';

export interface EmbeddedSourceOptions {
  dbPath: string;
  /** Simulator operations per second (0 = as fast as possible). */
  rate: number;
  seed: number;
  /** Stop the simulator after this many operations (default: run until stopped). */
  ops?: number;
  serverName?: string;
  flush?: FlushPolicy;
  log?: Logger;
}

export class EmbeddedSource implements RecordSource {
  readonly info: SourceInfo = { kind: 'embedded' };
  private delivered = 0;
  /** Resolves when the simulator has stopped (after `ops` operations, or on abort). */
  simulator: Promise<FakeItSummary> | undefined;

  private constructor(
    private readonly book: VotersBook,
    private readonly options: EmbeddedSourceOptions,
  ) {}

  static async open(options: EmbeddedSourceOptions): Promise<EmbeddedSource> {
    mkdirSync(dirname(options.dbPath), { recursive: true });
    const book = VotersBook.open(options.dbPath, { serverName: options.serverName ?? 'votersbook', seed: options.seed });
    return new EmbeddedSource(book, options);
  }

  lag(): number {
    return Math.max(0, this.book.lastPosition() - this.delivered);
  }

  /** The records of the outbox, for tests that compare silver with the application's tables. */
  get votersBook(): VotersBook {
    return this.book;
  }

  async run(deliver: (records: KafkaRecord[]) => Promise<void>, resume: ReadonlyMap<string, bigint>, signal: AbortSignal): Promise<void> {
    const flush = this.options.flush ?? defaultFlushPolicy;
    this.delivered = this.resumePosition(resume);
    const target = new EmbeddedTarget(this.options.dbPath, { serverName: this.options.serverName ?? 'votersbook', seed: this.options.seed });
    // The simulator stops with the source, also when a delivery fails: the failure then ends run() at
    // once, for the caller to report, instead of waiting for a stop that nobody will ask for.
    const stopSimulator = new AbortController();
    this.simulator = runFakeIt(
      {
        target: { kind: 'embedded', path: this.options.dbPath },
        rate: this.options.rate,
        ops: this.options.ops,
        seed: this.options.seed,
        serverName: this.options.serverName ?? 'votersbook',
        replicaIdentity: 'full',
        tombstones: true,
        signal: AbortSignal.any([signal, stopSimulator.signal]),
        log: this.options.log,
      },
      target,
    );
    try {
      while (!signal.aborted) {
        const entries = this.book.readOutbox(this.delivered, flush.maxRecords);
        if (entries.length === 0) {
          await sleep(flush.maxLatencyMs, signal);
          continue;
        }
        await deliver(entries.map((e) => e.record));
        this.delivered = entries[entries.length - 1]!.position;
        this.book.pruneOutbox(this.delivered); // bronze holds them now
        if (entries.length < flush.maxRecords) await sleep(flush.maxLatencyMs, signal);
      }
    } finally {
      stopSimulator.abort();
      await this.simulator.catch(() => undefined);
      this.book.close();
    }
  }

  /** The end of the outbox prefix bronze already holds. */
  private resumePosition(resume: ReadonlyMap<string, bigint>): number {
    const stored = (p: number) => {
      const [entry] = this.book.readOutbox(p - 1, 1);
      if (!entry) return false;
      const offset = resume.get(`${entry.record.topic}:${entry.record.partition}`);
      return offset !== undefined && BigInt(entry.record.offset) <= offset;
    };
    let lo = 0; // stored(lo) holds (0 = nothing)
    let hi = this.book.lastPosition();
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (stored(mid)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
