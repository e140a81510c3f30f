/**
 * Reads a Kafka Connect JsonConverter document, `{"schema":...,"payload":...}` or a bare payload, and
 * hands back the payload with the schema compiled once.
 *
 * The schema repeats, byte for byte, in every record of a table, and it is most of the record. So per
 * topic we remember the exact text up to `"payload":`; a record that starts with that prefix skips the
 * schema entirely and only its payload is parsed. A record that does not (first record, new schema
 * version, other formatting) takes the slow path: find the end of the schema by scanning, look the
 * schema text up among compiled schemas, compile it if new.
 */
import type { ConnectSchema } from './connect-schema.ts';

export interface ConnectDocument<T> {
  payload: unknown;
  /** The compiled schema, or null when the document carries none. */
  compiled: T | null;
}

const SCHEMA_OPEN = '{"schema":';
const PAYLOAD_KEY = ',"payload":';
const CLOSE_BRACE = 125;

export class ConnectJsonReader<T> {
  private readonly prefixByTopic = new Map<string, { prefix: string; compiled: T }>();
  private readonly compiledBySchemaText = new Map<string, T>();

  constructor(
    private readonly compile: (schema: ConnectSchema) => T,
    private readonly maxSchemas = 1024,
  ) {}

  /** Throws SyntaxError when the text is not JSON, and whatever `compile` throws for a bad schema. */
  read(text: string, topic: string): ConnectDocument<T> {
    const known = this.prefixByTopic.get(topic);
    if (known && text.charCodeAt(text.length - 1) === CLOSE_BRACE && text.startsWith(known.prefix)) {
      const payload = tryParse(text.slice(known.prefix.length, text.length - 1));
      if (payload !== undefined) return { payload, compiled: known.compiled };
    }
    if (text.startsWith(SCHEMA_OPEN)) {
      const end = jsonValueEnd(text, SCHEMA_OPEN.length);
      if (end > 0 && text.startsWith(PAYLOAD_KEY, end) && text.charCodeAt(text.length - 1) === CLOSE_BRACE) {
        const payload = tryParse(text.slice(end + PAYLOAD_KEY.length, text.length - 1));
        const schemaText = text.slice(SCHEMA_OPEN.length, end);
        if (payload !== undefined && schemaText !== 'null') {
          const compiled = this.compiledFor(schemaText, () => JSON.parse(schemaText) as ConnectSchema);
          this.prefixByTopic.set(topic, { prefix: text.slice(0, end + PAYLOAD_KEY.length), compiled });
          return { payload, compiled };
        }
      }
    }
    // Without a schema, the row's types come from its JSON text, so doubles written whole are tracked.
    const doc: unknown = parseJson(text, !text.startsWith(SCHEMA_OPEN));
    if (isConnectEnvelope(doc)) {
      if (doc.schema === null) return { payload: doc.payload, compiled: null };
      const schema = doc.schema as ConnectSchema;
      return { payload: doc.payload, compiled: this.compiledFor(JSON.stringify(schema), () => schema) };
    }
    // JsonConverter always writes both fields: a Connect schema without its payload is a broken
    // record, not a schemaless row with a column named `schema`.
    if (isSchemaWithoutPayload(doc)) return { payload: undefined, compiled: null };
    return { payload: doc, compiled: null };
  }

  private compiledFor(schemaText: string, schema: () => ConnectSchema): T {
    let compiled = this.compiledBySchemaText.get(schemaText);
    if (compiled === undefined) {
      compiled = this.compile(schema());
      if (this.compiledBySchemaText.size >= this.maxSchemas) this.compiledBySchemaText.clear();
      this.compiledBySchemaText.set(schemaText, compiled);
    }
    return compiled;
  }
}

function isConnectEnvelope(doc: unknown): doc is { schema: unknown; payload: unknown } {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return false;
  return 'schema' in doc && 'payload' in doc;
}

function isSchemaWithoutPayload(doc: unknown): boolean {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || 'payload' in doc || !('schema' in doc)) return false;
  const schema = (doc as { schema: unknown }).schema;
  return schema === null || (typeof schema === 'object' && typeof (schema as { type?: unknown }).type === 'string');
}

/**
 * JSON.parse, except that integers past 2^53 keep every digit, as bigints: Kafka Connect writes int64
 * values as JSON numbers (snowflake ids, large sequences), which a double would round. Only a run of
 * 16 digits can be one, so other text pays one scan and no reviver (ten times slower). The envelope's
 * ts_us and ts_ns, in every Debezium 2+ record, are left out of the scan: nothing needs them exact.
 *
 * With `trackDoubles`, a number written as a double (JsonConverter writes float and double values
 * with a fraction or an exponent: 7.0, -3.4E38) that parses to an integer is remembered, so that
 * writtenAsDouble can tell a schemaless double column from an integer one.
 */
export function parseJson(text: string, trackDoubles = false): unknown {
  return MAYBE_LARGE_INTEGER.test(text) || (trackDoubles && MAYBE_WHOLE_DOUBLE.test(text))
    ? JSON.parse(text, (trackDoubles ? keepLargeIntegersAndDoubles : keepLargeIntegers) as never)
    : JSON.parse(text);
}

/** 16 digits that start a number (not a fraction's digits), other than ts_us and ts_ns. */
const MAYBE_LARGE_INTEGER = /(?<![\d.]|"ts_[un]s":)\d{16}/;
/** A fraction of zeros (7.0) or an exponent (1E10): a double that may parse to an integer. */
const MAYBE_WHOLE_DOUBLE = /\d(?:\.0+(?!\d)|[eE]\+?\d)/;
const INTEGER_TEXT = /^-?\d+$/;

function keepLargeIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== 'number' || Number.isSafeInteger(value) || !context?.source || !INTEGER_TEXT.test(context.source)) return value;
  return BigInt(context.source);
}

/** Per parsed object, the keys whose value was written as a double but is an integer. */
const wholeDoubles = new WeakMap<object, Set<string>>();

function keepLargeIntegersAndDoubles(this: object, key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && Number.isInteger(value) && context?.source && !INTEGER_TEXT.test(context.source)) {
    let keys = wholeDoubles.get(this);
    if (!keys) wholeDoubles.set(this, (keys = new Set()));
    keys.add(key);
    return value;
  }
  return keepLargeIntegers(key, value, context);
}

/** True when `object[key]` is an integer that its JSON text wrote as a double (see parseJson). */
export const writtenAsDouble = (object: object, key: string): boolean => wholeDoubles.get(object)?.has(key) === true;

function tryParse(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}

/**
 * Index just past the JSON object or array that starts at `start`, or -1. Only brackets and strings
 * matter for finding the end; the content is validated later by JSON.parse.
 */
export function jsonValueEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 92 /* \ */) i++;
        else if (s === 34) break;
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) depth++;
    else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      if (depth === 0) return i + 1;
      if (depth < 0) return -1;
    } else if (depth === 0) {
      // A scalar schema value (e.g. null) ends at the next comma.
      const comma = text.indexOf(',', i);
      return comma < 0 ? -1 : comma;
    }
  }
  return -1;
}
