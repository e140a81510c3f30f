/**
 * A Kafka record as lakehouse sees it, whatever brought it (kafkajs, bronze replay, the embedded
 * simulator). Key and value are the raw bytes decoded as UTF-8 text; a Kafka Connect JsonConverter
 * message is a JSON document inside that text. A null value is a tombstone.
 */
export interface KafkaRecord {
  topic: string;
  partition: number;
  /** int64 as a decimal string, as Kafka clients hand it over. */
  offset: string;
  /** Epoch milliseconds. */
  timestamp: number;
  key: string | null;
  value: string | null;
}

/** Where a decoded event came from: enough to find the record again. */
export interface RecordRef {
  topic: string;
  partition: number;
  offset: string;
}

export const recordRef = (record: KafkaRecord): RecordRef => ({
  topic: record.topic,
  partition: record.partition,
  offset: record.offset,
});
