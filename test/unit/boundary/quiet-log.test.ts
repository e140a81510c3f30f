import { expect, test } from 'bun:test';
import { createLogger } from '../../../src/core/log.ts';
import { Metrics } from '../../../src/core/metrics.ts';
import { QuarantineLog, ruleOf } from '../../../src/pipeline/dead-letters.ts';

const letter = (topic: string, offset: number, reason: string) => ({ record: { topic, partition: 0, offset: String(offset) }, reason });

test('a rule broken by every record is logged once, counted per table and rule, and summarised at most once a minute', () => {
  const lines: string[] = [];
  const metrics = new Metrics();
  const quarantines = new QuarantineLog(createLogger({ format: 'json', write: (l) => lines.push(l) }), metrics);
  const t0 = Date.now();
  // 27,000 records of a keyless table, in batches, over two minutes.
  for (let batch = 0; batch < 270; batch++) {
    const letters = Array.from({ length: 100 }, (_, i) =>
      letter(
        'srv.public.pgbench_history',
        batch * 100 + i,
        `record has no key and the key columns of table 'pgbench_history' are unknown; name them with --key pgbench_history=COLUMN[,COLUMN]`,
      ),
    );
    letters.push(letter('srv.public.accounts', batch, `the 'after' row's key column 'aid' is ${batch + 1} but the record's key says ${batch}`));
    quarantines.note(letters, t0 + batch * 500);
  }
  const warns = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn');
  expect(warns.map((w) => w.table)).toEqual(['pgbench_history', 'accounts']);
  const summaries = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'info');
  expect(summaries.length).toBe(2); // 135 s of batches: at 60 s and at 120 s
  expect(summaries[0].byTable.pgbench_history).toBeGreaterThan(0);
  const text = metrics.render();
  expect(text).toMatch(/lakehouse_dead_letters_total\{reason="record has no key[^"]*",table="pgbench_history"\} 27000\n/);
  expect(text).toContain(`lakehouse_dead_letters_total{reason="the 'after' row's key column 'aid' is N but the record's key says N",table="accounts"} 270\n`);
});

test('a rule is the reason without its varying values', () => {
  expect(ruleOf(`the 'after' row's key column 'id' is 5 but the record's key says 4`)).toBe(
    ruleOf(`the 'after' row's key column 'id' is 77 but the record's key says 76`),
  );
  expect(ruleOf('not valid JSON (JSON Parse error: Unexpected identifier "abc")')).toBe('not valid JSON (JSON Parse error: Unexpected identifier "…")');
});
