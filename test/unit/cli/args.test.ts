import { expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helpText, parseArgs, type CommandSpec } from '../../../src/cli/args.ts';
import type { LakehouseError } from '../../../src/core/errors.ts';
import { parseKeyColumns } from '../../../src/cli/key-columns.ts';
import { parseRoutes } from '../../../src/cli/routing.ts';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A demo command.',
  positionals: [{ name: 'table', help: 'a table', required: true }],
  flags: [
    { name: 'port', type: 'int', default: 8080, min: 0, max: 65535, help: 'port' },
    { name: 'data', type: 'string', default: './lakehouse-data', help: 'data' },
    { name: 'format', type: 'enum', values: ['ndjson', 'csv'], default: 'csv', help: 'format' },
    { name: 'tui', type: 'bool', help: 'tui' },
  ],
};

const error = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as LakehouseError;
  }
  throw new Error('expected an error');
};

test('flags win over the environment, which wins over the config file, which wins over defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lh-args-'));
  const config = join(dir, 'lakehouse.toml');
  writeFileSync(config, 'port = 7000\ndata = "/from/file"\nformat = "ndjson"\n');
  const env = { LAKEHOUSE_PORT: '9000', LAKEHOUSE_CONFIG: config };
  expect(parseArgs(spec, ['t', '--port', '1234'], env).flags).toMatchObject({ port: 1234, data: '/from/file', format: 'ndjson' });
  expect(parseArgs(spec, ['t'], env).flags.port).toBe(9000);
  expect(parseArgs(spec, ['t', `--config=${config}`], {}).flags.port).toBe(7000);
  expect(parseArgs(spec, ['t'], {}).flags).toMatchObject({ port: 8080, data: './lakehouse-data', format: 'csv', 'log-format': 'text' });
});

test('booleans take --flag, --no-flag and --flag=false', () => {
  expect(parseArgs(spec, ['t', '--tui'], {}).flags.tui).toBe(true);
  expect(parseArgs(spec, ['t', '--no-tui'], {}).flags.tui).toBe(false);
  expect(parseArgs(spec, ['t', '--tui=false'], {}).flags.tui).toBe(false);
  expect(parseArgs(spec, ['t'], { LAKEHOUSE_TUI: 'yes' }).flags.tui).toBe(true);
});

test('bad input is a usage or config error that names the flag and where it came from', () => {
  expect(error(() => parseArgs(spec, ['t', '--prot', '1'], {})).message).toBe("unknown flag '--prot' for 'lakehouse demo'");
  expect(error(() => parseArgs(spec, ['t', '--port', 'x'], {})).message).toBe("flag: --port expects a whole number, got 'x'");
  expect(error(() => parseArgs(spec, ['t', '--port', '70000'], {})).message).toBe('flag: --port must be at most 65535, got 70000');
  expect(error(() => parseArgs(spec, ['t'], { LAKEHOUSE_FORMAT: 'xml' })).message).toBe(
    "environment LAKEHOUSE_FORMAT: --format must be one of ndjson, csv, got 'xml'",
  );
  expect(error(() => parseArgs(spec, [], {})).code).toBe('usage');
  expect(error(() => parseArgs(spec, ['a', 'b'], {})).message).toBe("unexpected argument 'b' for 'lakehouse demo'");
  expect(error(() => parseArgs(spec, ['t', '--port'], {})).message).toBe('flag --port needs a value');
  const dir = mkdtempSync(join(tmpdir(), 'lh-args-'));
  writeFileSync(join(dir, 'bad.toml'), 'port = = 1');
  expect(error(() => parseArgs(spec, ['t', '--config', join(dir, 'bad.toml')], {})).code).toBe('config');
  expect(error(() => parseArgs(spec, ['t', '--config', join(dir, 'missing.toml')], {})).message).toContain('cannot read config file');
});

test('a config file key that no command takes is refused, with the known keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lh-args-'));
  const config = join(dir, 'lakehouse.toml');
  writeFileSync(config, 'prot = 7000\nrate = 5\n[gold.x]\nsql = "SELECT 1"\n');
  const refused = error(() => parseArgs(spec, ['t', '--config', config], {}, ['rate', 'gold']));
  expect(refused.code).toBe('config');
  expect(refused.message).toBe(`config file ${config}: unknown key 'prot'`);
  expect(refused.hint).toContain('keys are flag names without dashes: ');
  expect(refused.hint).toContain('port');
  // Another command's flag and a [gold.NAME] section are known keys of the shared file.
  writeFileSync(config, 'port = 7000\nrate = 5\n[gold.x]\nsql = "SELECT 1"\n');
  expect(parseArgs(spec, ['t', '--config', config], {}, ['rate', 'gold']).flags.port).toBe(7000);
});

test('help lists every flag with its default and environment variable', () => {
  const text = helpText(spec);
  expect(text).toContain('usage: lakehouse demo [flags] TABLE');
  expect(text).toContain('--port INT');
  expect(text).toContain('(default 8080)');
  expect(text).toContain('[LAKEHOUSE_PORT]');
  expect(text).toContain('--format ndjson|csv');
});

test('--route collects every occurrence and rejects a bad rule with the fix', () => {
  const routeSpec: CommandSpec = { name: 'r', summary: '', flags: [{ name: 'route', type: 'list', help: '' }] };
  expect(parseArgs(routeSpec, ['--route', 'a,b=x', '--route', 'c=y'], {}).flags.route).toEqual(['a,b=x', 'c=y']);
  expect(parseRoutes(['^s\\.(\\w+)$=t_$1'])[0]!.pattern.test('s.voters')).toBe(true);
  expect(error(() => parseRoutes(['voters'])).message).toBe("--route 'voters': expected REGEX=TABLE");
  expect(error(() => parseRoutes(['(=x'])).code).toBe('config');
});

test('--key names the key columns of keyless tables and rejects a malformed value with the fix', () => {
  expect(parseKeyColumns(['audit_log=event_id', 'post_tags=post_id, tag'])).toEqual({ audit_log: ['event_id'], post_tags: ['post_id', 'tag'] });
  expect(parseKeyColumns(undefined)).toEqual({});
  expect(error(() => parseKeyColumns(['audit_log'])).message).toBe("--key 'audit_log': expected TABLE=COLUMN[,COLUMN]");
  expect(error(() => parseKeyColumns(['a=x', 'a=y'])).message).toBe("--key 'a=y': table a is given twice");
});
