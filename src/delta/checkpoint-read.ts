/**
 * Reading checkpoints into actions: classic single-file and multi-part parquet checkpoints, and v2
 * checkpoints (UUID-named, JSON or parquet) whose file actions may live in sidecar files under
 * `_delta_log/_sidecars/`. Only the action columns are turned into objects; `stats_parsed` and
 * `partitionValues_parsed` are skipped since replay does not need them.
 */
import { DataType, type Table, type Vector } from 'apache-arrow';
import { parseActions, type Action } from './actions.ts';
import { LOG_DIR, type CheckpointFiles } from './log-segment.ts';
import { readParquet } from '../parquet/index.ts';
import type { Storage } from '../storage/storage.ts';
import { corruptTable } from '../core/errors.ts';

const ACTION_COLUMNS = ['protocol', 'metaData', 'txn', 'add', 'remove', 'domainMetadata', 'checkpointMetadata', 'sidecar'] as const;
/** Sub-fields derived from others that replay never reads; skipping them avoids decoding big structs. */
const SKIPPED_FIELDS = new Set(['stats_parsed', 'partitionValues_parsed']);

export async function readCheckpointActions(storage: Storage, checkpoint: CheckpointFiles): Promise<Action[]> {
  const actions: Action[] = [];
  for (const part of checkpoint.parts) {
    const bytes = await readRequired(storage, part.path, `checkpoint ${checkpoint.version}`);
    const partActions = part.path.endsWith('.json') ? parseActions(new TextDecoder().decode(bytes), part.path) : parquetActions(bytes, part.path);
    for (const action of partActions) {
      if ('sidecar' in action) {
        const sidecarPath = `${LOG_DIR}/_sidecars/${action.sidecar.path}`;
        const sidecarBytes = await readRequired(storage, sidecarPath, `checkpoint ${checkpoint.version} sidecar`);
        actions.push(...parquetActions(sidecarBytes, sidecarPath));
      } else {
        actions.push(action);
      }
    }
  }
  return actions;
}

async function readRequired(storage: Storage, path: string, what: string): Promise<Uint8Array> {
  const bytes = await storage.read(path);
  if (!bytes) throw corruptTable(`${what} file is missing: ${storage.root}/${path}`);
  return bytes;
}

function parquetActions(bytes: Uint8Array, where: string): Action[] {
  let table: Table;
  try {
    table = readParquet(bytes);
  } catch (err) {
    throw corruptTable(`cannot read checkpoint file ${where}: ${(err as Error).message}`);
  }
  const columns = ACTION_COLUMNS.map((name) => [name, table.getChild(name)] as const).filter((c): c is [(typeof c)[0], Vector] => c[1] != null);
  const actions: Action[] = [];
  for (let i = 0; i < table.numRows; i++) {
    for (const [name, vector] of columns) {
      if (vector.isValid(i)) actions.push({ [name]: arrowToPlain(vector, i) } as unknown as Action);
    }
  }
  return actions;
}

/**
 * One arrow cell as plain JSON-like data, as a commit file would hold it: int64 becomes a number (log
 * integers such as sizes and timestamps fit in 2^53), maps become objects.
 */
function arrowToPlain(vector: Vector, i: number): unknown {
  if (!vector.isValid(i)) return null;
  const type = vector.type;
  if (DataType.isStruct(type)) {
    const out: Record<string, unknown> = {};
    type.children.forEach((f, k) => {
      if (!SKIPPED_FIELDS.has(f.name)) out[f.name] = arrowToPlain(vector.getChildAt(k)!, i);
    });
    return out;
  }
  if (DataType.isMap(type)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of vector.get(i) as Iterable<[string, unknown]>) out[k] = typeof v === 'bigint' ? Number(v) : (v ?? null);
    return out;
  }
  if (DataType.isList(type)) {
    const items = vector.get(i) as Vector;
    return Array.from({ length: items.length }, (_, j) => arrowToPlain(items, j));
  }
  const value = vector.get(i);
  return typeof value === 'bigint' ? Number(value) : value;
}
