/**
 * docker-compose.yaml cannot run here (no Docker engine), so its structure is checked, and kept in step
 * with compose/local/up: same versions, same connector files, same host ports, loopback only.
 */
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const composeDir = resolve(import.meta.dir, '../../../compose');
const compose = Bun.YAML.parse(readFileSync(join(composeDir, 'docker-compose.yaml'), 'utf8')) as {
  services: Record<
    string,
    {
      image?: string;
      build?: unknown;
      command?: string[] | string;
      environment?: Record<string, unknown>;
      ports?: string[];
      depends_on?: Record<string, { condition: string }>;
      volumes?: string[];
    }
  >;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const stackSh = readFileSync(join(composeDir, 'local/stack.sh'), 'utf8');
const pom = readFileSync(join(composeDir, 'local/pom.xml'), 'utf8');
const pomProperty = (name: string) => pom.match(new RegExp(`<${name}>([^<]+)</${name}>`))![1]!;
const launcherPort = (name: string) => stackSh.match(new RegExp(`^${name}=\\$\\{${name}:-(\\d+)\\}`, 'm'))![1]!;
const connectorFiles = readdirSync(join(composeDir, 'debezium')).filter((f) => f.endsWith('.json'));
const connectors = connectorFiles.map(
  (f) => JSON.parse(readFileSync(join(composeDir, 'debezium', f), 'utf8')) as { name: string; config: Record<string, string> },
);

describe('docker-compose.yaml', () => {
  test('has PostgreSQL, Kafka, Connect with Debezium, fake-it and lakehouse', () => {
    for (const name of ['postgres', 'kafka', 'connect', 'register-connectors', 'fake-it', 'lakehouse']) expect(services[name]).toBeDefined();
  });

  test('PostgreSQL runs with wal_level=logical', () => {
    expect(services.postgres!.command).toContain('wal_level=logical');
  });

  test('the mariadb profile adds MariaDB with a row-based, full-image binlog, its connector, fake-it and a lakehouse of its own', () => {
    for (const name of ['mariadb', 'register-mariadb-connector', 'fake-it-mariadb', 'lakehouse-mariadb']) {
      expect((services[name] as { profiles?: string[] }).profiles).toEqual(['mariadb']);
    }
    expect(services.mariadb!.command).toEqual(expect.arrayContaining(['--binlog-format=ROW', '--binlog-row-image=FULL']));
    expect(services.mariadb!.ports).toEqual([`127.0.0.1:${launcherPort('MARIADB_PORT')}:3306`]);
    expect(services['fake-it-mariadb']!.command).toContain('--mysql');
  });

  test('Kafka runs in KRaft mode, with no ZooKeeper anywhere', () => {
    expect(String(services.kafka!.environment!.KAFKA_PROCESS_ROLES)).toBe('broker,controller');
    expect(services.kafka!.environment!.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(JSON.stringify(compose).toLowerCase()).not.toContain('zookeeper');
  });

  test('images carry the versions the launcher fetches (compose/local/pom.xml)', () => {
    expect(services.kafka!.image).toBe(`apache/kafka:${pomProperty('kafka.version')}`);
    expect(services.connect!.image).toBe(`quay.io/debezium/connect:${pomProperty('debezium.version')}`);
  });

  test('host ports are the launcher defaults, published on 127.0.0.1 only', () => {
    expect(services.postgres!.ports).toEqual([`127.0.0.1:${launcherPort('PG_PORT')}:5432`]);
    expect(services.kafka!.ports).toEqual([`127.0.0.1:${launcherPort('KAFKA_PORT')}:${launcherPort('KAFKA_PORT')}`]);
    expect(String(services.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS)).toContain(`HOST://127.0.0.1:${launcherPort('KAFKA_PORT')}`);
    expect(services.connect!.ports).toEqual([`127.0.0.1:${launcherPort('CONNECT_PORT')}:8083`]);
    for (const s of Object.values(services)) for (const p of s.ports ?? []) expect(p).toStartWith('127.0.0.1:');
  });

  test('Connect has an environment value for every ${env:...} the connector files read', () => {
    const env = services.connect!.environment!;
    expect(env.CONNECT_CONFIG_PROVIDERS_ENV_CLASS).toBe('org.apache.kafka.common.config.provider.EnvVarConfigProvider');
    for (const c of connectors) {
      for (const value of Object.values(c.config)) {
        for (const [, name] of value.matchAll(/\$\{env:([A-Z_]+)\}/g)) expect(env[name!]).toBeDefined();
      }
    }
  });

  test('the connector files are mounted for registration, and Connect uses the launcher storage topics', () => {
    expect(services['register-connectors']!.volumes).toContain('./debezium:/debezium:ro');
    for (const key of ['CONFIG_STORAGE_TOPIC', 'OFFSET_STORAGE_TOPIC', 'STATUS_STORAGE_TOPIC']) {
      const topic = String(services.connect!.environment![key]);
      expect(topic).toStartWith('__'); // internal: lakehouse never consumes it
      expect(readFileSync(join(composeDir, 'local/up'), 'utf8')).toContain(`=${topic}\n`);
    }
  });

  test('every depends_on names a service, and lakehouse consumes the connector topics', () => {
    for (const s of Object.values(services)) for (const dep of Object.keys(s.depends_on ?? {})) expect(services[dep]).toBeDefined();
    const command = services.lakehouse!.command as string[];
    const topics = new RegExp(`^(?:${command[command.indexOf('--topics') + 1]})$`);
    for (const c of connectors.filter((c) => c.name.endsWith('-postgres'))) expect(topics.test(`${c.config['topic.prefix']}.public.voters`)).toBe(true);
    // The two sources' tables never meet in one silver.
    const mariadbCommand = services['lakehouse-mariadb']!.command as string[];
    const mariadbTopics = new RegExp(`^(?:${mariadbCommand[mariadbCommand.indexOf('--topics') + 1]})$`);
    for (const c of connectors.filter((c) => c.name.endsWith('-mariadb'))) {
      expect(mariadbTopics.test(`${c.config['topic.prefix']}.votersbook.voters`)).toBe(true);
      expect(topics.test(`${c.config['topic.prefix']}.votersbook.voters`)).toBe(false);
    }
    expect(command).toContain('--token'); // it binds 0.0.0.0 inside its container
  });
});

describe('compose/debezium/*.json', () => {
  test('there is a connector file', () => {
    expect(connectorFiles.length).toBeGreaterThan(0);
  });

  test.each(connectorFiles.map((f, i) => [f, connectors[i]!] as const))('%s captures its source as the lakehouse decoder expects', (file, c) => {
    expect(c.name).toMatch(/^[a-z0-9-]+$/);
    // compose/local/up --source NAME registers the files named *-NAME.json.
    expect(file).toBe(`${c.name}.json`);
    if (c.name.endsWith('-postgres')) {
      expect(c.config['connector.class']).toBe('io.debezium.connector.postgresql.PostgresConnector');
      expect(c.config['plugin.name']).toBe('pgoutput');
    } else {
      expect(c.name).toEndWith('-mariadb');
      expect(c.config['connector.class']).toBe('io.debezium.connector.mariadb.MariaDbConnector');
      expect(c.config['schema.history.internal.kafka.topic']).toStartWith('__'); // internal: lakehouse never consumes it
    }
    expect(c.config['topic.prefix']).toMatch(/^[A-Za-z0-9_-]+$/);
    // Connect JsonConverter records with {schema, payload}
    for (const side of ['key', 'value']) {
      expect(c.config[`${side}.converter`]).toBe('org.apache.kafka.connect.json.JsonConverter');
      expect(c.config[`${side}.converter.schemas.enable`]).toBe('true');
    }
  });
});

describe('compose/local launcher scripts', () => {
  test.each(['up', 'down', 'stack.sh'])('%s is valid bash', async (script) => {
    const proc = Bun.spawn(['bash', '-n', join(composeDir, 'local', script)], { stderr: 'pipe' });
    expect(await proc.exited, await new Response(proc.stderr).text()).toBe(0);
  });

  test.each(['--source oracle', '--source', '--sauce mariadb'])('up %s fails with one line before installing anything', async (args) => {
    const proc = Bun.spawn([join(composeDir, 'local', 'up'), ...args.split(' ')], {
      stdout: 'pipe',
      stderr: 'pipe',
      env: { ...process.env, LAKEHOUSE_STACK_DIR: '/nonexistent/lakehouse-stack' },
    });
    const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(code).toBe(1);
    expect(err.split('\n')[0]).toMatch(/^error: (unknown source 'oracle': use postgres or mariadb|--source needs a value|unknown argument '--sauce')/);
  });
});
