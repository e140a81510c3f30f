/**
 * Kafka connection settings from the command line and the environment. Secrets come from the
 * environment only, so they never show in `ps` or shell history:
 *
 *   KAFKA_SSL=true                       TLS with the system's CAs
 *   KAFKA_SSL_CA / _CERT / _KEY=FILE     a private CA, and a client certificate for mutual TLS (PEM)
 *   KAFKA_SASL_MECHANISM=plain|scram-sha-256|scram-sha-512
 *   KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { LakehouseError, ErrorCode } from '../../core/errors.ts';
import type { KafkaSourceOptions } from './kafka.ts';

const saslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** `--kafka host:port[,...]` and `--topics REGEX`, plus SSL/SASL from `env`. */
export function kafkaConnection(
  brokers: string,
  topics: string,
  env: Record<string, string | undefined>,
): Pick<KafkaSourceOptions, 'brokers' | 'topics' | 'ssl' | 'sasl'> {
  let pattern: RegExp;
  try {
    pattern = new RegExp(topics);
  } catch (err) {
    throw new LakehouseError(ErrorCode.usage, `--topics '${topics}' is not a valid regular expression: ${(err as Error).message}`, {
      hint: 'e.g. --topics "votersbook\\..*" (the whole topic name must match)',
    });
  }
  return {
    brokers: brokers
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b !== ''),
    topics: pattern,
    ssl: sslFromEnv(env),
    sasl: saslFromEnv(env),
  };
}

function sslFromEnv(env: Record<string, string | undefined>): ConnectionOptions | boolean | undefined {
  const file = (name: string) => {
    const path = env[name];
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new LakehouseError(ErrorCode.config, `cannot read ${name}=${path}: ${(err as Error).message}`, { hint: `point ${name} at a PEM file` });
    }
  };
  const ca = file('KAFKA_SSL_CA');
  const cert = file('KAFKA_SSL_CERT');
  const key = file('KAFKA_SSL_KEY');
  if (ca || cert || key) return { ca: ca ? [ca] : undefined, cert, key };
  const flag = env.KAFKA_SSL?.toLowerCase();
  if (flag === undefined || flag === '' || flag === 'false' || flag === '0') return undefined;
  if (flag === 'true' || flag === '1') return true;
  throw new LakehouseError(ErrorCode.config, `KAFKA_SSL=${env.KAFKA_SSL} is not a boolean`, { hint: 'use KAFKA_SSL=true or false' });
}

function saslFromEnv(env: Record<string, string | undefined>): SASLOptions | undefined {
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (!mechanism) return undefined;
  if (!(saslMechanisms as readonly string[]).includes(mechanism)) {
    throw new LakehouseError(ErrorCode.config, `KAFKA_SASL_MECHANISM=${env.KAFKA_SASL_MECHANISM} is not supported`, {
      hint: `use one of ${saslMechanisms.join(', ')}`,
    });
  }
  const username = env.KAFKA_SASL_USERNAME;
  const password = env.KAFKA_SASL_PASSWORD;
  if (!username || password === undefined) {
    throw new LakehouseError(ErrorCode.config, `KAFKA_SASL_MECHANISM=${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
  }
  return { mechanism: mechanism as (typeof saslMechanisms)[number], username, password } as SASLOptions;
}
