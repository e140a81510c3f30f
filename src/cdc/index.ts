/** Debezium change records -> change events. Pure decoding, no I/O. */
export type { KafkaRecord, RecordRef } from './record.ts';
export { recordRef } from './record.ts';
export type {
  ChangeEvent,
  ChangeOp,
  DecodedKind,
  DecodedRecord,
  HeartbeatEvent,
  InvalidRecord,
  MessageEvent,
  SchemaChangeEvent,
  SourceIdentity,
  TombstoneEvent,
  TransactionEvent,
} from './event.ts';
export { ChangeDecoder, DEFAULT_UNAVAILABLE_PLACEHOLDER, tableFromTopic, type DecoderOptions } from './decoder.ts';
export { comparePositions, decodePosition, encodePosition, positionOf, type PositionFields, type PositionKind, type SourcePosition } from './position.ts';
export type { ColumnSpec, ConnectSchema } from './connect-schema.ts';
export { widenColumns, widenType } from './infer.ts';
export {
  base64ToHex,
  daysToDate,
  decimalText,
  microsToTimeOfDay,
  microsToTimestamp,
  unscaledFromBase64,
  zonedToUtcTimestamp,
  type CanonicalValue,
  type Row,
} from './values.ts';
