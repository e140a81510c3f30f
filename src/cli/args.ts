/**
 * Flag parsing and settings resolution, shared by every command. A setting comes from, in order:
 * a flag, a `LAKEHOUSE_<NAME>` environment variable, the config file (`--config lakehouse.toml`, keys
 * spelled like the flags), then the default. Every value is validated once here, so commands receive
 * typed options and never re-check them: a command's flags are typed from its spec (`Flags`).
 */
import { readFileSync } from 'node:fs';
import { usageError, LakehouseError, ErrorCode } from '../core/errors.ts';

export type FlagType = 'string' | 'int' | 'bool' | 'enum' | 'list';

export interface FlagSpec {
  name: string; // kebab-case, without dashes
  type: FlagType;
  help: string;
  values?: readonly string[]; // for enum
  default?: string | number | boolean | readonly string[];
  short?: string;
  min?: number;
  max?: number;
  placeholder?: string;
}

export interface PositionalSpec {
  name: string;
  help: string;
  required?: boolean;
  variadic?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  flags: readonly FlagSpec[];
  positionals?: readonly PositionalSpec[];
  examples?: readonly string[];
}

/** Flags every command takes. */
export const globalFlags = [
  { name: 'config', type: 'string', help: 'read settings from this TOML file', placeholder: 'FILE' },
  { name: 'log-format', type: 'enum', values: ['text', 'json'], default: 'text', help: 'log line format' },
  { name: 'log-level', type: 'enum', values: ['debug', 'info', 'warn', 'error'], default: 'info', help: 'minimum log level' },
] as const satisfies readonly FlagSpec[];

type ValueOf<T extends FlagType, Values> = T extends 'int'
  ? number
  : T extends 'bool'
    ? boolean
    : T extends 'list'
      ? string[]
      : T extends 'enum'
        ? Values
        : string;
type FlagValue<F extends FlagSpec> = ValueOf<F['type'], NonNullable<F['values']>[number]>;

/** The values of these flags by name; a flag without a default may be unset. */
export type FlagValues<F extends FlagSpec> = { [S in F as S['name']]: S extends { default: unknown } ? FlagValue<S> : FlagValue<S> | undefined };

/** The flags of a command (a spec declared `as const`), global ones included. */
export type Flags<S extends CommandSpec = CommandSpec> = FlagValues<S['flags'][number]> & FlagValues<(typeof globalFlags)[number]>;

export type Parsed<S extends CommandSpec = CommandSpec> = {
  flags: Flags<S>;
  positionals: string[];
  help: boolean;
};

type RawFlags = Record<string, string | number | boolean | readonly string[] | undefined>;

const envName = (flag: string) => 'LAKEHOUSE_' + flag.toUpperCase().replace(/-/g, '_');

function coerce(spec: FlagSpec, raw: unknown, where: string): string | number | boolean | string[] {
  const bad = (what: string) => new LakehouseError(ErrorCode.config, `${where}: --${spec.name} ${what}`, { hint: `see 'lakehouse <command> --help'` });
  switch (spec.type) {
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
      throw bad(`expects true or false, got '${raw}'`);
    }
    case 'int': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).replace(/_/g, ''));
      if (!Number.isInteger(n)) throw bad(`expects a whole number, got '${raw}'`);
      if (spec.min !== undefined && n < spec.min) throw bad(`must be at least ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw bad(`must be at most ${spec.max}, got ${n}`);
      return n;
    }
    case 'enum': {
      const s = String(raw);
      if (!spec.values!.includes(s)) throw bad(`must be one of ${spec.values!.join(', ')}, got '${s}'`);
      return s;
    }
    case 'list':
      return Array.isArray(raw)
        ? raw.map(String)
        : String(raw)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
    case 'string':
      if (typeof raw !== 'string' || raw === '') throw bad(`expects a value`);
      return raw;
  }
}

/**
 * Parses argv for one command, then fills unset flags from the environment, config file and defaults.
 * `configKeys` are the keys a config file may hold besides this command's flags (one file serves every
 * command: main.ts passes every command's flags and the [gold.NAME] sections); any other key is refused.
 */
export function parseArgs<S extends CommandSpec>(
  spec: S,
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
  configKeys: readonly string[] = [],
): Parsed<S> {
  const all: readonly FlagSpec[] = [...spec.flags, ...globalFlags];
  const byName = new Map(all.map((f) => [f.name, f]));
  const byShort = new Map(all.filter((f) => f.short).map((f) => [f.short!, f]));
  const flags: RawFlags = {};
  const positionals: string[] = [];
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const long = arg.startsWith('--');
      const [rawName, inline] = long ? splitOnce(arg.slice(2), '=') : [arg.slice(1), undefined];
      const negated = long && rawName.startsWith('no-') && byName.get(rawName.slice(3))?.type === 'bool';
      const f = negated ? byName.get(rawName.slice(3)) : long ? byName.get(rawName) : byShort.get(rawName);
      if (!f) throw usageError(`unknown flag '${arg}' for 'lakehouse ${spec.name}'`, `run 'lakehouse ${spec.name} --help' to see its flags`);
      if (f.type === 'bool') {
        flags[f.name] = negated ? false : inline === undefined ? true : coerce(f, inline, 'flag');
        continue;
      }
      const value = inline ?? argv[++i];
      if (value === undefined) throw usageError(`flag --${f.name} needs a value`, `for example --${f.name} ${f.placeholder ?? 'VALUE'}`);
      // A list flag given several times collects every value; elsewhere it is comma-separated.
      flags[f.name] = f.type === 'list' ? [...((flags[f.name] as string[] | undefined) ?? []), value] : coerce(f, value, 'flag');
      continue;
    }
    positionals.push(arg);
  }
  // Every value below was coerced by its spec, which is what Flags<S> says of it.
  if (help) return { flags: flags as Flags<S>, positionals, help };

  const configPath = typeof flags.config === 'string' ? flags.config : env[envName('config')];
  const fileValues = configPath ? readConfigFile(configPath) : {};
  const knownKeys = [...new Set([...all.map((f) => f.name), ...configKeys])];
  const unknownKeys = Object.keys(fileValues).filter((key) => !knownKeys.includes(key));
  if (unknownKeys.length > 0) {
    throw new LakehouseError(
      ErrorCode.config,
      `config file ${configPath}: unknown key${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.map((k) => `'${k}'`).join(', ')}`,
      {
        hint: `keys are flag names without dashes: ${knownKeys.sort().join(', ')}`,
      },
    );
  }
  for (const f of all) {
    if (flags[f.name] !== undefined) continue;
    const fromEnv = env[envName(f.name)];
    if (fromEnv !== undefined && fromEnv !== '') flags[f.name] = coerce(f, fromEnv, `environment ${envName(f.name)}`);
    // A TOML table (such as [gold.NAME]) is a section, not a flag's value.
    else if (fileValues[f.name] !== undefined && !isTomlTable(fileValues[f.name])) flags[f.name] = coerce(f, fileValues[f.name], `config file ${configPath}`);
    else if (f.default !== undefined) flags[f.name] = f.default;
  }

  const specs = spec.positionals ?? [];
  const required = specs.filter((p) => p.required).length;
  if (positionals.length < required) {
    const missing = specs[positionals.length]!;
    throw usageError(`'lakehouse ${spec.name}' needs ${missing.name.toUpperCase()} (${missing.help})`, `usage: ${usageLine(spec)}`);
  }
  if (!specs.some((p) => p.variadic) && positionals.length > specs.length) {
    throw usageError(`unexpected argument '${positionals[specs.length]}' for 'lakehouse ${spec.name}'`, `usage: ${usageLine(spec)}`);
  }
  return { flags: flags as Flags<S>, positionals, help };
}

const isTomlTable = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new LakehouseError(ErrorCode.config, `cannot read config file ${path}`, { hint: 'check the --config path or LAKEHOUSE_CONFIG' });
  }
  try {
    return Bun.TOML.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new LakehouseError(ErrorCode.config, `config file ${path} is not valid TOML: ${(err as Error).message}`, {
      hint: 'keys are the flag names, e.g. port = 8080',
    });
  }
}

export function usageLine(spec: CommandSpec): string {
  const pos = (spec.positionals ?? []).map((p) => {
    const n = p.name.toUpperCase() + (p.variadic ? '...' : '');
    return p.required ? n : `[${n}]`;
  });
  return ['lakehouse', spec.name, '[flags]', ...pos].join(' ');
}

export function helpText(spec: CommandSpec): string {
  const flagLine = (f: FlagSpec) => {
    const name = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.type === 'bool' ? '' : ' ' + (f.placeholder ?? (f.type === 'enum' ? f.values!.join('|') : f.type.toUpperCase()))}`;
    const def = f.default !== undefined && f.default !== false ? ` (default ${Array.isArray(f.default) ? f.default.join(',') : f.default})` : '';
    return `  ${name.padEnd(34)} ${f.help}${def}  [${envName(f.name)}]`;
  };
  const lines = [`${spec.summary}`, '', `usage: ${usageLine(spec)}`];
  if (spec.positionals?.length) {
    lines.push('', 'arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.toUpperCase().padEnd(34)} ${p.help}`);
  }
  if (spec.flags.length) {
    lines.push('', 'flags:');
    for (const f of spec.flags) lines.push(flagLine(f));
  }
  lines.push('', 'global flags:');
  for (const f of globalFlags) lines.push(flagLine(f));
  lines.push('  -h, --help                           show this help');
  if (spec.examples?.length) {
    lines.push('', 'examples:');
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  return lines.join('\n');
}
