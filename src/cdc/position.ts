/**
 * Where a change happened in its source database, comparable across records of one key.
 *
 * Ordering, most significant part first:
 *  - PostgreSQL: lsn, then the two LSNs of `source.sequence` (last commit, current), then Kafka partition, offset
 *  - MySQL/MariaDB: binlog file number (the numeric suffix of `source.file`), pos, row, then partition, offset
 *  - anything else: source ts_ms, then Kafka partition, offset
 * The Kafka coordinates come last so two records with the same source position (a redelivery) still
 * have a total order. Positions of different kinds order by kind; that never matters for one key.
 *
 * The serialized form is a short string that sorts (byte-wise) like `comparePositions`, for a SQLite
 * column or the Delta column `__source_position`: the kind letter, then each part as one length digit
 * (the number of hex digits, '0'..'g') followed by that many lowercase hex digits. Parts are unsigned;
 * a negative part (never seen in practice) counts as 0.
 */
export type PositionKind = 'postgres' | 'mysql' | 'generic';

export interface SourcePosition {
  readonly kind: PositionKind;
  readonly parts: readonly bigint[];
  /**
   * Right after `parts` rather than at them: it sorts after them and before every position that sorts
   * after them, as if it had one more part, 0. A tombstone's delete has no position of its own and is
   * placed so (src/silver/topic-sources.ts).
   */
  readonly justAfter?: boolean;
}

const kindLetter: Record<PositionKind, string> = { postgres: 'p', mysql: 'm', generic: 'g' };
const letterKind: Record<string, PositionKind> = { p: 'postgres', m: 'mysql', g: 'generic' };
const lengthDigits = '0123456789abcdefg';

const partsOf = (p: SourcePosition) => (p.justAfter ? [...p.parts, 0n] : p.parts);

export function comparePositions(a: SourcePosition, b: SourcePosition): -1 | 0 | 1 {
  if (a.kind !== b.kind) return kindLetter[a.kind] < kindLetter[b.kind] ? -1 : 1;
  const [ap, bp] = [partsOf(a), partsOf(b)];
  const n = Math.min(ap.length, bp.length);
  for (let i = 0; i < n; i++) {
    const x = ap[i]!;
    const y = bp[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return ap.length === bp.length ? 0 : ap.length < bp.length ? -1 : 1;
}

export function encodePosition(p: SourcePosition): string {
  let out = kindLetter[p.kind];
  for (const part of partsOf(p)) {
    const hex = part > 0n ? BigInt.asUintN(64, part).toString(16) : '';
    out += lengthDigits[hex.length] + hex;
  }
  return out;
}

/** Inverse of encodePosition; undefined when the text is not an encoded position. */
export function decodePosition(text: string): SourcePosition | undefined {
  const kind = letterKind[text[0] ?? ''];
  if (!kind) return undefined;
  const parts: bigint[] = [];
  let i = 1;
  while (i < text.length) {
    const len = lengthDigits.indexOf(text[i]!);
    if (len < 0 || i + 1 + len > text.length) return undefined;
    const hex = text.slice(i + 1, i + 1 + len);
    if (len > 0 && !/^[0-9a-f]+$/.test(hex)) return undefined;
    parts.push(len === 0 ? 0n : BigInt('0x' + hex));
    i += 1 + len;
  }
  return { kind, parts };
}

/** The source fields a position is built from, whether from a `source` block or flattened `__source_*` fields. */
export interface PositionFields {
  connector?: unknown;
  lsn?: unknown;
  sequence?: unknown;
  file?: unknown;
  pos?: unknown;
  row?: unknown;
  ts_ms?: unknown;
}

export function positionOf(fields: PositionFields, partition: number, offset: bigint, fallbackTsMs: number): SourcePosition {
  const kafka = [BigInt(partition), offset];
  const connector = fields.connector;
  if (connector === 'postgresql' || ((connector === undefined || connector === null) && fields.lsn != null)) {
    const [lastCommit, current] = parseSequence(fields.sequence);
    const lsn = toBig(fields.lsn) ?? current ?? 0n;
    return { kind: 'postgres', parts: [lsn, lastCommit ?? 0n, current ?? lsn, ...kafka] };
  }
  if (typeof fields.file === 'string' && fields.file !== '') {
    return { kind: 'mysql', parts: [binlogNumber(fields.file), toBig(fields.pos) ?? 0n, toBig(fields.row) ?? 0n, ...kafka] };
  }
  return { kind: 'generic', parts: [toBig(fields.ts_ms) ?? BigInt(Math.trunc(fallbackTsMs)), ...kafka] };
}

function toBig(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'bigint') return v;
  return undefined;
}

/** `source.sequence` is a JSON array text `["lastCommitLsn","currentLsn"]`, either may be null. */
const sequencePattern = /^\[\s*(?:"(\d+)"|(\d+)|null)\s*,\s*(?:"(\d+)"|(\d+)|null)\s*\]$/;

function parseSequence(v: unknown): [bigint | undefined, bigint | undefined] {
  const m = typeof v === 'string' ? sequencePattern.exec(v) : null;
  if (!m) return [undefined, undefined];
  const last = m[1] ?? m[2];
  const current = m[3] ?? m[4];
  return [last === undefined ? undefined : BigInt(last), current === undefined ? undefined : BigInt(current)];
}

function binlogNumber(file: string): bigint {
  const m = /(\d+)$/.exec(file);
  return m ? BigInt(m[1]!) : 0n;
}
