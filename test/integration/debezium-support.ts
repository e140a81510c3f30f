/**
 * What the real-Debezium type tests share, whatever the source database: connector specs (JsonConverter
 * schemas on or off, rows flattened or not), registering a connector on Kafka Connect and waiting until
 * it streams, and dumping its topics to the NDJSON records `lakehouse ingest` reads.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

export interface ConnectorSpec {
  name: string;
  topicPrefix: string;
  schemas: boolean;
  /**
   * Rows flattened by Debezium's ExtractNewRecordState, its deletes passed on as its
   * delete.tombstone.handling.mode says: `tombstone` (the default: a null value) or `rewrite` (the
   * before image with `__deleted: "true"`).
   */
  flatten?: 'tombstone' | 'rewrite';
  /** Also transaction metadata (`<prefix>.transaction`) and heartbeats (`__debezium-heartbeat.<prefix>`). */
  metadata?: boolean;
}

/** Transaction metadata (`<prefix>.transaction`) and heartbeats (`__debezium-heartbeat.<prefix>`). */
export const metadataTopics = {
  'provide.transaction.metadata': 'true',
  'heartbeat.interval.ms': '1000',
};

/** ExtractNewRecordState, adding `__<field>` for each of `addFields` (the source position among them). */
export const flattening = (deletes: 'tombstone' | 'rewrite', addFields: string) => ({
  transforms: 'unwrap',
  'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
  'transforms.unwrap.delete.tombstone.handling.mode': deletes,
  'transforms.unwrap.add.fields': addFields,
});

/** The spec's converters, and its flattening and metadata topics. */
export function specConfig(spec: ConnectorSpec, addFields: string): Record<string, string> {
  return {
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': String(spec.schemas),
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': String(spec.schemas),
    ...(spec.flatten ? flattening(spec.flatten, addFields) : {}),
    ...(spec.metadata ? metadataTopics : {}),
  };
}

/**
 * Puts a connector's configuration and waits until its connector and tasks run and `streaming` says
 * it reads the source's change log.
 */
export async function putConnector(connectUrl: string, name: string, config: Record<string, string>, streaming: () => Promise<boolean>): Promise<void> {
  const response = await fetch(`${connectUrl}/connectors/${name}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  if (!response.ok) throw new Error(`Kafka Connect refused connector ${name}: ${response.status} ${await response.text()}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const status = (await fetch(`${connectUrl}/connectors/${name}/status`).then(
      (r) => (r.ok ? r.json() : null),
      () => null,
    )) as {
      connector: { state: string };
      tasks: { state: string; trace?: string }[];
    } | null;
    const failed = status?.tasks.find((t) => t.state === 'FAILED');
    if (failed) throw new Error(`connector ${name} failed: ${failed.trace?.split('\n')[0]}`);
    const running = status?.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((t) => t.state === 'RUNNING');
    if (running && (await streaming())) return;
    if (Date.now() > deadline) throw new Error(`connector ${name} is not streaming after 120 s: ${JSON.stringify(status)}`);
    await Bun.sleep(250);
  }
}

export interface DumpedRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  value: string | null;
}

/**
 * Every record of the connector's topics (`<prefix>.*`, and its heartbeats), read from the start once
 * the end marker (a value holding "end") has arrived in `markerTopic` (so every topic exists) to the
 * end of every partition, written to `file` as NDJSON in `lakehouse ingest`'s shape.
 */
export async function dumpTopics(brokers: string, prefix: string, markerTopic: string, file: string, timeoutMs = 90_000): Promise<DumpedRecord[]> {
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    const isMarker = (r: DumpedRecord) => r.value?.includes('"end"') === true;
    while (!(await admin.listTopics()).includes(markerTopic)) {
      if (Date.now() > deadline) throw new Error(`topic ${markerTopic} was not created in time`);
      await Bun.sleep(200);
    }
    await readTopics(kafka, [markerTopic], deadline, async (records) => records.some(isMarker));
    // `<prefix>` itself: a binlog connector's schema changes.
    const topics = (await admin.listTopics()).filter((t) => t === prefix || t.startsWith(`${prefix}.`) || t === `__debezium-heartbeat.${prefix}`);
    const records = await readTopics(kafka, topics, deadline, async (records) => {
      const ends = await Promise.all(topics.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) })));
      const read = (topic: string, partition: number) => records.filter((r) => r.topic === topic && r.partition === partition).length;
      return ends.every(({ topic, partitions }) => partitions.every((p) => read(topic, p.partition) >= Number(p.high) - Number(p.low)));
    });
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    return records;
  } finally {
    await admin.disconnect();
  }
}

/** The records of `topics` from their start, as a new consumer group reads them, until `done` says so. */
async function readTopics(kafka: Kafka, topics: string[], deadline: number, done: (records: DumpedRecord[]) => Promise<boolean>): Promise<DumpedRecord[]> {
  const records: DumpedRecord[] = [];
  const consumer = kafka.consumer({ groupId: `dump-${Date.now()}-${Math.random()}` });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const key = message.key?.toString('utf8') ?? null;
        const value = message.value?.toString('utf8') ?? null;
        records.push({ topic, partition, offset: message.offset, timestamp: message.timestamp, key, value });
      },
    });
    while (!(await done(records))) {
      if (Date.now() > deadline) throw new Error(`${topics.join(', ')}: not read to the end in time (${records.length} records read)`);
      await Bun.sleep(200);
    }
    return records;
  } finally {
    await consumer.disconnect();
  }
}

/**
 * What a record is: its op (`__op` when flattened), 'deleted' for a rewritten delete, 'null' for a null
 * value, 'kafka-null' for a Kafka tombstone, a heartbeat, or a transaction's BEGIN or END.
 */
export function kindOf({ topic, value }: DumpedRecord): string {
  if (topic.startsWith('__debezium-heartbeat.')) return 'heartbeat';
  if (value === null) return 'kafka-null';
  const doc = JSON.parse(value) as Record<string, unknown> | null;
  const payload = (doc !== null && 'schema' in doc ? doc.payload : doc) as Record<string, unknown> | null;
  if (payload === null) return 'null';
  if (topic.endsWith('.transaction')) return String(payload.status);
  if ('ddl' in payload) return 'schema-change';
  return payload.__deleted === 'true' ? 'deleted' : String(payload.op ?? payload.__op);
}

type Row = Record<string, unknown>;

export const sortedJson = (row: Row): string => JSON.stringify(row, Object.keys(row).sort());

/** The silver tables under `dataDir` as delta-rs reads them (read_delta.py), without `__*` columns. */
export function deltaRsSilver(dataDir: string, tables: readonly string[]): Map<string, Row[]> {
  const requests = tables.map((t) => ({ path: join(dataDir, 'silver', t) }));
  const proc = Bun.spawnSync(['python3', join(import.meta.dir, 'read_delta.py'), 'deltalake', JSON.stringify(requests)], { stdout: 'pipe', stderr: 'pipe' });
  if (proc.exitCode !== 0) throw new Error(`delta-rs failed: ${proc.stderr.toString().slice(-3000)}`);
  const read = JSON.parse(proc.stdout.toString()) as (Row[] | { error: string })[];
  return new Map(
    tables.map((table, i) => {
      const rows = read[i]!;
      if (!Array.isArray(rows)) throw new Error(`delta-rs could not read ${table}: ${rows.error}`);
      return [table, rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('__'))))];
    }),
  );
}
