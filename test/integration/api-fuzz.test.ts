/**
 * Schemathesis (property-based API testing) against the document at /api/openapi.json, on the compiled
 * binary serving the embedded demo: no answer is a 5xx, every answer (status, content type, headers,
 * body) is what the document says, requests the document forbids are refused, undeclared methods are 405.
 *
 * Left out, with their reasons: /api/changes is an endless event stream (a request never ends; its
 * statuses are tested in test/unit/api/app.test.ts); the check that every schema-valid request is
 * accepted, since no schema says which text is valid SQL (any string is a schema-valid body).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { binary, ensureBinary } from '../support/binary.ts';
import { installPythonDeps } from './moto-server.ts';
import { freePort } from './real-stack-support.ts';

const data = mkdtempSync(join(tmpdir(), 'lh-api-fuzz-'));
const work = mkdtempSync(join(tmpdir(), 'lh-api-fuzz-st-'));
const port = freePort();
const base = `http://127.0.0.1:${port}`;
let serve: Subprocess | undefined;

beforeAll(async () => {
  ensureBinary();
  installPythonDeps();
  serve = Bun.spawn([binary, 'serve', '--data', data, '--port', String(port), '--rate', '20'], { stdout: 'ignore', stderr: 'ignore' });
  for (let tries = 0; ; tries++) {
    const ok = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (tries > 240) throw new Error('serve did not become healthy');
    await Bun.sleep(250);
  }
}, 180_000);

afterAll(async () => {
  serve?.kill('SIGINT');
  await serve?.exited;
  rmSync(data, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

test('schemathesis finds no 5xx and no answer that breaks the OpenAPI document', async () => {
  const st = Bun.spawn(
    [
      'python3',
      ...['-m', 'schemathesis.cli', 'run', `${base}/api/openapi.json`],
      ...['--checks', 'all', '--exclude-checks', 'positive_data_acceptance'],
      ...['--exclude-path', '/api/changes'],
      // Bounded: about a minute on a loaded machine; deterministic, so a failure reproduces.
      ...['--max-examples', '20', '--generation-deterministic', '--request-timeout', '20'],
    ],
    // Its working files (.schemathesis/) go to the test's folder, not the repository.
    { cwd: work, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' } },
  );
  const [out, err, code] = await Promise.all([new Response(st.stdout).text(), new Response(st.stderr).text(), st.exited]);
  if (code !== 0) console.error(out, err);
  expect(out).toContain('Operations:');
  expect(code).toBe(0);
}, 600_000);
