/** The `lakehouse` executable: dispatches to a command, turns every error into one line and an exit code. */
import { asLakehouseError, ErrorCode, formatError, usageError } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import { helpText, parseArgs } from './args.ts';
import { commands } from './commands/index.ts';
import { version } from './version.ts';
import { WORKER_PROCESS_ARG } from '../core/worker-url.ts';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.spec.name.length));
  return [
    `lakehouse ${version}: Debezium change streams into a real Delta Lake.`,
    '',
    'usage: lakehouse <command> [flags]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`),
    '',
    "Run 'lakehouse <command> --help' for a command's flags. Start with: lakehouse serve",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return 0;
  }
  if (name === '--version' || name === 'version') {
    console.log(version);
    return 0;
  }
  const command = commands.find((c) => c.spec.name === name);
  if (!command) throw usageError(`unknown command '${name}'`, `commands: ${commands.map((c) => c.spec.name).join(', ')}`);
  // A config file serves every command, so it may hold any command's flags, and [gold.NAME] sections.
  const configKeys = [...commands.flatMap((c) => c.spec.flags.map((f) => f.name)), 'gold'];
  const args = parseArgs(command.spec, rest, process.env, configKeys);
  if (args.help) {
    console.log(helpText(command.spec));
    return 0;
  }
  const log = createLogger({ format: args.flags['log-format'], level: args.flags['log-level'] });
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    // A second Ctrl-C means "now": the user has waited long enough for the clean stop.
    if (++interrupts > 1) process.exit(130);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const impl = await command.load();
  return (await impl.run({ args, log, stopSignal: stop.signal })) ?? 0;
}

/** Every way out with an error: one line, the right exit code, never a stack trace. */
function fail(err: unknown): never {
  // A closed pipe (`lakehouse cat ... | head`) is the reader saying it has enough.
  if ((err as { code?: string })?.code === 'EPIPE') process.exit(0);
  const e = asLakehouseError(err);
  process.stderr.write(formatError(e) + '\n');
  if (e.code === ErrorCode.internal && process.env.LAKEHOUSE_DEBUG) console.error(err);
  process.exit(e.code === ErrorCode.usage || e.code === ErrorCode.config ? 2 : 1);
}

// Errors raised outside the command's promise (a stream's write callback, a timer) end the same way.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
// The query workers are processes of this binary (see core/worker-url.ts); they run until their engine goes.
if (process.argv[2] === WORKER_PROCESS_ARG && process.argv[3] === 'api/sql-worker.ts') await import('../api/sql-worker.ts');
else main(process.argv.slice(2)).then((code) => process.exit(code), fail);
