/**
 * What silver knows of each Kafka topic from its change records: whether they are flattened
 * (ExtractNewRecordState) and which source they come from. It turns a tombstone into what it means:
 *
 *   - on a topic of full Debezium envelopes, a tombstone only repeats the 'd' event before it (for log
 *     compaction): nothing to do;
 *   - on a flattened topic it is a delete of its key: with delete.handling.mode=drop it is the only
 *     sign of one. A tombstone carries no source block, so the delete takes the source identity of the
 *     topic's records (it scopes the key in silver). A topic whose flattened records come from several
 *     sources (one topic fed by many databases) cannot say whose key it is: such tombstones are dead
 *     letters;
 *   - on a topic with no change record yet there is nothing it could delete.
 *
 * Its source position: none is known (the connector's delete event was dropped). Records of one key
 * are in source order within their Kafka partition, so the delete happened after the key's previous
 * record there and before its next one. Silver therefore places it right after the position of the
 * key's previous record in stream order, applied or not (SilverTable.placeTombstoneDeletes; KeyEntry.seen
 * keeps the position of an unapplied one). So it deletes what that record left and nothing a later change made:
 * after a connector restart redelivers insert(L1), tombstone, insert(L2), the replayed tombstone sits
 * just after L1 and leaves L2's row alone, and a redelivered older record stays a duplicate.
 *
 * Kept in lakehouse.db (`lh:silver_topics`) so a tombstone that is a topic's first record after a restart
 * is understood; a lost lakehouse.db is refilled as the pipeline replays bronze.
 */
import type { Database, Statement } from 'bun:sqlite';
import type { ChangeEvent, InvalidRecord, SourceIdentity, TombstoneEvent } from '../cdc/index.ts';
import { positionOf } from '../cdc/index.ts';
import { createTopicsTable } from './store-schema.ts';

interface TopicSource {
  flattened: boolean;
  /** The source identity of the topic's records as JSON; null when they came from several. */
  source: string | null;
}

const NO_UNAVAILABLE: ReadonlySet<string> = new Set();

export class TopicSources {
  private readonly topics = new Map<string, TopicSource>();
  private readonly saveStmt: Statement;

  constructor(db: Database) {
    const table = createTopicsTable(db);
    for (const r of db.query(`SELECT topic, flattened, source FROM ${table}`).all() as { topic: string; flattened: number; source: string | null }[]) {
      this.topics.set(r.topic, { flattened: r.flattened !== 0, source: r.source });
    }
    this.saveStmt = db.query(`INSERT OR REPLACE INTO ${table} (topic, flattened, source) VALUES (?, ?, ?)`);
  }

  /**
   * One batch's change events and tombstones, in record order, as change events: each tombstone
   * becomes the delete it stands for, or nothing, or an invalid record when that cannot be told.
   */
  resolve(decoded: readonly (ChangeEvent | TombstoneEvent)[]): { events: ChangeEvent[]; invalid: InvalidRecord[]; tombstones: number } {
    const out = { events: [] as ChangeEvent[], invalid: [] as InvalidRecord[], tombstones: 0 };
    for (const d of decoded) {
      if (d.kind === 'change') {
        const refused = this.note(d);
        if (refused) out.invalid.push({ kind: 'invalid', reason: refused, record: d.record });
        else out.events.push(d);
        continue;
      }
      out.tombstones++;
      const meaning = this.deleteFor(d);
      if (meaning?.kind === 'change') out.events.push(meaning);
      else if (meaning) out.invalid.push(meaning);
    }
    return out;
  }

  /**
   * Learns from a change record of its topic, in stream order. A change of format under a schema starts
   * afresh (the connector was reconfigured: its converter says what the records are now); one without a
   * schema is a stray value, refused with the reason returned.
   */
  private note(ev: ChangeEvent): string | undefined {
    if (ev.op === 't' || ev.fromTombstone) return undefined;
    const topic = ev.record.topic;
    const identity = identityText(ev.source);
    const known = this.topics.get(topic);
    if (known && known.flattened !== ev.flattened && ev.schemaless) {
      const kind = (flat: boolean) => (flat ? 'flattened rows (ExtractNewRecordState)' : 'Debezium envelopes');
      return `a value of ${kind(ev.flattened)} on topic ${topic}, whose records are ${kind(known.flattened)}, without a schema that says the format changed`;
    }
    let next: TopicSource;
    if (!known || known.flattened !== ev.flattened) next = { flattened: ev.flattened, source: identity };
    else if (known.source === identity || known.source === null) return undefined;
    else next = { flattened: ev.flattened, source: null };
    this.topics.set(topic, next);
    this.saveStmt.run(topic, next.flattened ? 1 : 0, next.source);
    return undefined;
  }

  /** The delete a tombstone stands for (still to be placed by silver); undefined when it stands for none. */
  private deleteFor(t: TombstoneEvent): ChangeEvent | InvalidRecord | undefined {
    const known = this.topics.get(t.record.topic);
    if (!known?.flattened) return undefined;
    if (known.source === null) {
      return {
        kind: 'invalid',
        reason: `tombstone on topic ${t.record.topic}, whose flattened records come from several sources: which source's key it deletes is unknown`,
        record: t.record,
      };
    }
    const source = JSON.parse(known.source) as SourceIdentity;
    return {
      kind: 'change',
      op: 'd',
      table: source.table,
      source,
      key: t.key,
      keyColumns: t.keyColumns,
      before: null,
      after: null,
      position: positionOf({}, t.record.partition, BigInt(t.record.offset), t.tsMs),
      tsMs: t.tsMs,
      columns: [],
      unavailable: NO_UNAVAILABLE,
      snapshot: false,
      flattened: true,
      fromTombstone: true,
      record: t.record,
    };
  }
}

/** The fields that scope a key in silver, in a fixed order. */
function identityText(s: SourceIdentity): string {
  return JSON.stringify({ connector: s.connector, name: s.name, db: s.db, ...(s.schema === undefined ? {} : { schema: s.schema }), table: s.table });
}
