/**
 * Which gold definitions a run keeps: the `[gold.NAME]` tables of the --config file and the NAME.sql
 * files of --gold DIR (LAKEHOUSE_GOLD), together. With none configured, a folder fed by the embedded
 * simulator keeps the demo's definitions (src/gold/voters-book.toml); any other folder keeps none.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LakehouseError, ErrorCode } from '../core/errors.ts';
import { goldFromSqlFile, goldFromToml, orderGold, votersBookGold, type GoldDefinition } from '../gold/index.ts';

/** The gold definitions the settings configure, in dependency order; undefined when none is configured. */
/** Where gold definitions come from: the config file and --gold. */
export interface GoldSettings {
  config?: string;
  gold?: string;
}

export function configuredGold(flags: GoldSettings): GoldDefinition[] | undefined {
  const definitions: GoldDefinition[] = [];
  const config = flags.config;
  // args.ts already read and validated the file; its [gold.NAME] tables are not flags.
  if (config) definitions.push(...goldFromToml(Bun.TOML.parse(readFileSync(config, 'utf8')) as Record<string, unknown>, config));
  const dir = flags.gold;
  if (dir) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new LakehouseError(ErrorCode.config, `--gold ${dir} is not a folder`, { hint: 'give a folder of NAME.sql files, one SELECT each' });
    }
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    if (files.length === 0)
      throw new LakehouseError(ErrorCode.config, `--gold ${dir} holds no NAME.sql file`, { hint: 'write one SELECT per file, e.g. balance_per_branch.sql' });
    for (const f of files) definitions.push(goldFromSqlFile(basename(f, '.sql'), readFileSync(join(dir, f), 'utf8'), join(dir, f)));
  }
  return definitions.length > 0 ? orderGold(definitions) : undefined;
}

/** The definitions a run over the state folder `state` keeps. */
export function goldFor(flags: GoldSettings, state: string): GoldDefinition[] {
  return configuredGold(flags) ?? (existsSync(join(state, 'embedded')) ? [...votersBookGold] : []);
}
