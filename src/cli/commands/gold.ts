/**
 * `lakehouse gold check`: the gold definitions a run over this folder would keep, each with its key,
 * sources, strategy and why; with a data folder, each checked against the tables there.
 */
import { Database } from 'bun:sqlite';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LakehouseError, ErrorCode, usageError } from '../../core/errors.ts';
import { GoldPlan } from '../../gold/index.ts';
import { STATE_FILE } from '../../state/index.ts';
import { goldFor } from '../gold-config.ts';
import { resolveLocations } from '../locations.ts';
import type { CommandContext } from '../command.ts';
import type { goldSpec } from './specs.ts';

export async function run({ args }: CommandContext<typeof goldSpec>): Promise<number> {
  if (args.positionals[0] !== 'check') throw usageError(`unknown action '${args.positionals[0]}' for 'lakehouse gold'`, 'usage: lakehouse gold check');
  const { state } = resolveLocations(args.flags.data, args.flags.state);
  const definitions = goldFor(args.flags, state);
  if (definitions.length === 0) {
    console.log('no gold definitions: add [gold.NAME] sql = "SELECT ..." to the --config file, or --gold DIR of NAME.sql files');
    return 0;
  }
  const dbPath = join(state, STATE_FILE);
  const db = existsSync(dbPath) ? new Database(dbPath, { readonly: true }) : undefined;
  try {
    for (const d of definitions) {
      let plan: GoldPlan;
      try {
        plan = new GoldPlan(d);
      } catch (err) {
        throw new LakehouseError(ErrorCode.config, (err as Error).message, { hint: 'fix the definition in the --config file or --gold folder' });
      }
      console.log(`${d.name}: ${plan.strategy}, key (${plan.key.join(', ')}), reads ${plan.sources.join(', ')}${d.publish === false ? ', not published' : ''}`);
      console.log(`  ${plan.reason}`);
      if (!db) continue;
      const missing = plan.sources.filter(
        (s) => db.query('SELECT 1 FROM sqlite_master WHERE name = ?').get(s) === null && !definitions.some((x) => x.name === s),
      );
      if (missing.length > 0) {
        console.log(`  waits for ${missing.join(', ')} (not in ${state} yet)`);
        continue;
      }
      try {
        db.prepare(`SELECT * FROM (${d.sql}) LIMIT 0`);
      } catch (err) {
        // A source that is an earlier definition not yet computed here cannot be checked yet.
        if (plan.sources.some((s) => definitions.some((x) => x.name === s) && db.query('SELECT 1 FROM sqlite_master WHERE name = ?').get(s) === null)) continue;
        throw new LakehouseError(ErrorCode.config, `gold ${d.name}: ${(err as Error).message.split('\n')[0]}`, {
          hint: 'fix the definition in the --config file or --gold folder',
        });
      }
    }
  } finally {
    db?.close();
  }
  return 0;
}
