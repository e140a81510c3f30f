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
