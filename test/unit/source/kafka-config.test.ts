import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakehouseError } from '../../../src/core/errors.ts';
import { kafkaConnection } from '../../../src/source/kafka/kafka-config.ts';
import { KafkaSource } from '../../../src/source/kafka/kafka.ts';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof LakehouseError ? err.code : `not a LakehouseError: ${err}`;
  }
  return 'no error';
};

describe('kafkaConnection', () => {
  test('splits brokers and compiles the topic regex; no security by default', () => {
    const c = kafkaConnection('a:9092, b:9093', 'votersbook\\..*', {});
    expect(c.brokers).toEqual(['a:9092', 'b:9093']);
    expect(c.topics.test('votersbook.public.voters')).toBe(true);
    expect(c.ssl).toBeUndefined();
    expect(c.sasl).toBeUndefined();
  });

  test('a bad regex is a usage error', () => {
    expect(codeOf(() => kafkaConnection('a:1', '(', {}))).toBe('usage');
  });

  test('SSL and SASL come from the environment', () => {
    expect(kafkaConnection('a:1', '.*', { KAFKA_SSL: 'true' }).ssl).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'lh-kafka-config-'));
    writeFileSync(join(dir, 'ca.pem'), 'PEM');
    const ssl = kafkaConnection('a:1', '.*', { KAFKA_SSL_CA: join(dir, 'ca.pem') }).ssl as { ca: Buffer[] };
    expect(ssl.ca.map(String)).toEqual(['PEM']);
    const sasl = kafkaConnection('a:1', '.*', { KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }).sasl;
    expect(sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' } as never);
  });

  test('incomplete or unknown security settings are config errors', () => {
    expect(codeOf(() => kafkaConnection('a:1', '.*', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }))).toBe('config');
    expect(codeOf(() => kafkaConnection('a:1', '.*', { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }))).toBe('config');
    expect(codeOf(() => kafkaConnection('a:1', '.*', { KAFKA_SSL: 'maybe' }))).toBe('config');
    expect(codeOf(() => kafkaConnection('a:1', '.*', { KAFKA_SSL_CA: '/nonexistent/ca.pem' }))).toBe('config');
  });
});

describe('KafkaSource.open', () => {
  test('rejects brokers that are not host:port', () => {
    expect(codeOf(() => KafkaSource.open({ brokers: [], topics: /.*/ }))).toBe('config');
    expect(codeOf(() => KafkaSource.open({ brokers: ['localhost'], topics: /.*/ }))).toBe('config');
  });

  test('describes itself for /health, with nothing to report before it runs', () => {
    const source = KafkaSource.open({ brokers: ['127.0.0.1:9092'], topics: /votersbook\..*/ });
    expect(source.info).toEqual({ kind: 'kafka', brokers: '127.0.0.1:9092', topics: 'votersbook\\..*' });
    expect(source.status().state).toBe('starting');
    expect(source.lag()).toBe(0);
  });
});
