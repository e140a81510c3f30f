/**
 * The command table: specs are cheap data; each implementation is imported only when its command runs,
 * so `lakehouse --help` never loads Parquet, SQLite or React.
 */
import { command, type Command } from '../command.ts';
import {
  serveSpec,
  ingestSpec,
  catSpec,
  rebuildSpec,
  fakeItSpec,
  tuiSpec,
  historySpec,
  describeSpec,
  optimizeSpec,
  vacuumSpec,
  checkpointSpec,
  querySpec,
  goldSpec,
} from './specs.ts';

export const commands: readonly Command[] = [
  command(serveSpec, () => import('./serve.ts')),
  command(ingestSpec, () => import('./ingest.ts')),
  command(catSpec, () => import('./cat.ts')),
  command(rebuildSpec, () => import('./rebuild.ts')),
  command(fakeItSpec, () => import('./fake-it.ts')),
  command(tuiSpec, () => import('./tui.ts')),
  command(historySpec, () => import('./history.ts')),
  command(describeSpec, () => import('./describe.ts')),
  command(optimizeSpec, () => import('./optimize.ts')),
  command(vacuumSpec, () => import('./vacuum.ts')),
  command(checkpointSpec, () => import('./checkpoint.ts')),
  command(querySpec, () => import('./query.ts')),
  command(goldSpec, () => import('./gold.ts')),
];
