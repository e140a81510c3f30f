/**
 * The parts of a table version that the Snapshot does not keep but checkpoints and VACUUM need: txns
 * with their times, remove tombstones (keyed like live files), and live domain metadata.
 */
import type { Action, DomainMetadata, Remove, Txn } from './actions.ts';
import { fileKey, readCommit, type Snapshot } from './snapshot.ts';
import { readCheckpointActions } from './checkpoint-read.ts';
import type { Storage } from '../storage/storage.ts';

export interface LogState {
  txns: Map<string, Txn>;
  tombstones: Map<string, Remove>;
  domains: Map<string, DomainMetadata>;
}

/** The log state at a checkpoint version, as the process that wrote the checkpoint knew it. */
export interface CheckpointLogState {
  version: number;
  state: LogState;
}

/**
 * The log state of the snapshot's version. `atCheckpoint`, the state at the snapshot's checkpoint (kept
 * by the writer of that checkpoint), saves reading the checkpoint back: a table committing every
 * second checkpoints often, and reading its last checkpoint was most of the cost of writing the next.
 */
export async function readLogState(storage: Storage, snapshot: Snapshot, atCheckpoint?: CheckpointLogState): Promise<LogState> {
  const segment = snapshot.logSegment;
  const known = atCheckpoint !== undefined && atCheckpoint.version === (segment.checkpoint?.version ?? -1);
  const state: LogState = known
    ? { txns: new Map(atCheckpoint.state.txns), tombstones: new Map(atCheckpoint.state.tombstones), domains: new Map(atCheckpoint.state.domains) }
    : { txns: new Map(), tombstones: new Map(), domains: new Map() };
  const apply = (a: Action) => {
    if ('txn' in a) state.txns.set(a.txn.appId, a.txn);
    else if ('remove' in a) state.tombstones.set(fileKey(a.remove), a.remove);
    else if ('add' in a) state.tombstones.delete(fileKey(a.add));
    else if ('domainMetadata' in a) {
      if (a.domainMetadata.removed) state.domains.delete(a.domainMetadata.domain);
      else state.domains.set(a.domainMetadata.domain, a.domainMetadata);
    }
  };
  if (segment.checkpoint && !known) for (const a of await readCheckpointActions(storage, segment.checkpoint)) apply(a);
  for (const file of segment.commits) for (const a of await readCommit(storage, file)) apply(a);
  return state;
}
