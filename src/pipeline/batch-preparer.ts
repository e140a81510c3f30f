/**
 * The per-record half of a batch, which needs no table state and so can run in any thread: dropping
 * redeliveries, writing the raw records as bronze data files (uncommitted) and decoding them. The
 * pipeline then only commits bronze and applies the decoded events. `lakehouse ingest` prepares in its
 * reader thread, so this work runs on the second core; other sources prepare on the pipeline's thread.
 */
import { freshRecords, writeBronzeFiles, type WrittenBronze } from '../bronze/index.ts';
import { ChangeDecoder, type ChangeEvent, type DecoderOptions, type KafkaRecord, type TombstoneEvent } from '../cdc/index.ts';
import type { DataFileOptions } from '../delta/index.ts';
import type { Storage } from '../storage/storage.ts';
import type { DeadLetter } from './dead-letters.ts';
import { stageClock } from '../core/stage-clock.ts';

export interface DecodedBatch {
  /**
   * Change events and tombstones, in record order: what a tombstone means depends on what its topic
   * carried before, which the pipeline knows (src/silver/topic-sources.ts).
   */
  events: (ChangeEvent | TombstoneEvent)[];
  /** Records that did not decode, with the reason. */
  letters: DeadLetter[];
  messages: number;
}

export interface PreparedBatch {
  /** Records received, redeliveries included. */
  received: number;
  redelivered: number;
  /** Undefined when every record was a redelivery. */
  bronze: WrittenBronze | undefined;
  decoded: DecodedBatch;
}

export function decodeRecords(decoder: ChangeDecoder, records: readonly KafkaRecord[]): DecodedBatch {
  const batch: DecodedBatch = { events: [], letters: [], messages: 0 };
  for (const record of records) {
    const decoded = decoder.decode(record);
    switch (decoded.kind) {
      case 'change':
      case 'tombstone':
        batch.events.push(decoded);
        break;
      case 'invalid':
        batch.letters.push({ record: decoded.record, reason: decoded.reason });
        break;
      case 'message':
        batch.messages++;
        break;
      default:
        break; // heartbeats, schema changes and transaction markers carry no rows
    }
  }
  return batch;
}

export class BatchPreparer {
  private readonly decoder: ChangeDecoder;

  /** `storedOffset` is bronze's last stored offset of a partition, as this preparer's caller knows it. */
  constructor(
    private readonly bronzeStorage: Storage,
    private readonly bronzeOptions: DataFileOptions,
    private readonly storedOffset: (topic: string, partition: number) => bigint | undefined,
    decoderOptions: DecoderOptions = {},
  ) {
    this.decoder = new ChangeDecoder(decoderOptions);
  }

  async prepare(records: readonly KafkaRecord[]): Promise<PreparedBatch> {
    const { fresh, spans } = stageClock.measure('dedupe', () => freshRecords(records, this.storedOffset));
    const redelivered = records.length - fresh.length;
    if (fresh.length === 0) return { received: records.length, redelivered, bronze: undefined, decoded: decodeRecords(this.decoder, []) };
    const adds = await stageClock.measureAsync('bronze-files', () => writeBronzeFiles(this.bronzeStorage, fresh, this.bronzeOptions));
    const decoded = stageClock.measure('decode', () => decodeRecords(this.decoder, fresh));
    return { received: records.length, redelivered, bronze: { adds, spans, records: fresh.length }, decoded };
  }
}
