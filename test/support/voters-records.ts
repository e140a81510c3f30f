/**
 * Kafka records for tests, built by fake-it's Debezium PostgreSQL envelope writer (the same bytes the
 * embedded default emits), with explicit LSNs and offsets so tests can reorder and redeliver them.
 */
import { PostgresEnvelopes } from '../../fake-it/debezium-envelope.ts';
import { VOTERS, type AppRow } from '../../fake-it/tables.ts';
import type { KafkaRecord } from '../../src/cdc/index.ts';

export function voter(id: number, city: string, extra: Partial<AppRow> = {}): AppRow {
  return {
    id,
    first_name: 'Ada',
    last_name: `Voter${id}`,
    address: `${id} Lantern Street`,
    city,
    birth_date: '1990-04-01',
    registered_at: '2026-01-05T08:00:00.000000Z',
    email: null,
    phone: null,
    party_affinity: null,
    updated_at: '2026-01-05T08:00:00.000000Z',
    ...extra,
  };
}

export class VoterStream {
  private readonly envelopes: PostgresEnvelopes;
  private offset = 0;

  constructor(server = 'votersbook', db = 'voters') {
    this.envelopes = new PostgresEnvelopes(VOTERS, server, db);
  }

  get topic() {
    return this.envelopes.topic;
  }

  /** A change record at source LSN `lsn`; the Kafka offset is the next one on this stream. */
  change(op: 'c' | 'u' | 'd', lsn: number, before: AppRow | null, after: AppRow | null, offset = this.offset++): KafkaRecord {
    const row = (after ?? before)!;
    const info = { tsMs: 1_767_600_000_000 + lsn, lsn, lastCommitLsn: null, txId: lsn, processedMs: 1_767_600_000_000 + lsn };
    return {
      topic: this.envelopes.topic,
      partition: 0,
      offset: String(offset),
      timestamp: info.processedMs,
      key: this.envelopes.keyText(row),
      value: this.envelopes.valueText(op, before && this.envelopes.rowJson(before), after && this.envelopes.rowJson(after), info),
    };
  }

  tombstone(row: AppRow): KafkaRecord {
    return { topic: this.topic, partition: 0, offset: String(this.offset++), timestamp: 0, key: this.envelopes.keyText(row), value: null };
  }

  raw(value: string | null, key: string | null = null): KafkaRecord {
    return { topic: this.topic, partition: 0, offset: String(this.offset++), timestamp: 0, key, value };
  }
}

/**
 * Inserts, updates, deletes (each followed by its tombstone), a truncate of one source and a late
 * redelivery, from two source databases, in batches of 9 records.
 */
export function mixedVoterBatches(): KafkaRecord[][] {
  const east = new VoterStream('east', 'book');
  const west = new VoterStream('west', 'book');
  const records: KafkaRecord[] = [];
  let lsn = 1;
  for (let id = 1; id <= 40; id++) records.push(east.change('c', lsn++, null, voter(id, `City${id % 5}`)), west.change('c', lsn++, null, voter(id, 'West')));
  for (let id = 1; id <= 40; id += 3) records.push(east.change('u', lsn++, null, voter(id, `Moved${id}`)));
  for (let id = 2; id <= 40; id += 7) records.push(east.change('d', lsn++, voter(id, 'x'), null), east.tombstone(voter(id, 'x')));
  records.push(east.change('c', 5, null, voter(1, 'Late redelivery'))); // older than id 1's update
  const truncate = west.change('d', lsn++, voter(1, 'West'), null);
  const value = JSON.parse(truncate.value!);
  Object.assign(value.payload, { op: 't', before: null, after: null });
  records.push({ ...truncate, key: null, value: JSON.stringify(value) });
  for (let id = 50; id <= 55; id++) records.push(west.change('c', lsn++, null, voter(id, 'After truncate')));
  for (let id = 1; id <= 40; id += 4) records.push(east.change('u', lsn++, null, voter(id, `Again${id}`)));
  const batches: KafkaRecord[][] = [];
  for (let i = 0; i < records.length; i += 9) batches.push(records.slice(i, i + 9));
  return batches;
}
