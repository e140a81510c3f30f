/**
 * The voters-book workload: a deterministic stream of application operations. Same seed and same
 * starting state, same operations, byte for byte. Each operation is one transaction of one or more
 * row changes (deleting a voter first deletes their poll answers and ballots).
 *
 * Time is simulated (a clock that advances 20 ms to 1.5 s per operation), never read from the wall,
 * so the content of the changes does not depend on when or how fast the simulator runs.
 */
import { BALLOT_METHODS, CITIES, ELECTIONS, FIRST_NAMES, LAST_NAMES, PARTIES, POLLS as POLL_TOPICS, STREETS, STREET_SUFFIXES } from './names.ts';
import { Prng } from './prng.ts';
import { dateText, timestamptzText, type AppRow, type TableName } from './tables.ts';

export type Change =
  | { kind: 'insert'; table: TableName; row: AppRow }
  | { kind: 'update'; table: TableName; key: AppRow; set: AppRow }
  | { kind: 'delete'; table: TableName; key: AppRow };

export type OpKind = 'insert' | 'update' | 'delete';

export interface FakeOp {
  /** 1-based, continues across restarts of the same database. */
  seq: number;
  kind: OpKind;
  table: TableName;
  /** Simulated commit time, epoch ms. */
  atMs: number;
  changes: Change[];
  /** The generator's PRNG state after this op; persisted with it so a restart continues the stream. */
  prngState: number;
  /** The next poll_id to hand out (like a sequence, never reused). */
  nextPollId: number;
}

/** The rows alive at the start, in key order, so generation from them is deterministic. */
export interface LiveKeys {
  voters: number[];
  polls: { pollId: number; voterId: number }[];
  ballots: { voterId: number; electionId: string }[];
}

export interface WorkloadState {
  live: LiveKeys;
  /** seq of the last op already applied (0 for a new database). */
  seq: number;
  clockMs: number;
  prngState: number;
  nextPollId: number;
}

/** 2026-01-05T08:00:00Z: where a new voters book's simulated clock starts. */
/** A poll row's topic follows from its id, so an update can pick among that poll's own answers. */
const topicOf = (pollId: number) => POLL_TOPICS[pollId % POLL_TOPICS.length]!;

export const DEFAULT_START_MS = Date.UTC(2026, 0, 5, 8, 0, 0);

export const initialState = (seed: number, clockMs = DEFAULT_START_MS): WorkloadState => ({
  live: { voters: [], polls: [], ballots: [] },
  seq: 0,
  clockMs,
  prngState: seed >>> 0,
  nextPollId: 1,
});

/**
 * The state a workload resumes from over an existing database of any target: its live keys, the clock
 * past its newest change, the next poll id, and a PRNG state that a different row count makes different.
 */
export function resumedState(
  seed: number,
  rows: { voters: { id: number }[]; polls: { poll_id: number; voter_id: number }[]; ballots: { voter_id: number; election_id: string }[] },
  latest: { ms: number | null; max_poll: number } | undefined,
): WorkloadState {
  const liveRows = rows.voters.length + rows.polls.length + rows.ballots.length;
  return {
    live: {
      voters: rows.voters.map((r) => r.id),
      polls: rows.polls.map((r) => ({ pollId: r.poll_id, voterId: r.voter_id })),
      ballots: rows.ballots.map((r) => ({ voterId: r.voter_id, electionId: r.election_id })),
    },
    seq: 0,
    clockMs: Math.max(DEFAULT_START_MS, Math.ceil(latest?.ms ?? 0)),
    prngState: (seed ^ Math.imul(liveRows, 0x9e3779b1)) >>> 0,
    nextPollId: (latest?.max_poll ?? 0) + 1,
  };
}

/** An array with O(1) add, remove (swap with last) and uniform pick. */
class KeyPool<K> {
  private readonly items: K[] = [];
  private readonly index = new Map<K, number>();

  get size(): number {
    return this.items.length;
  }
  has(k: K): boolean {
    return this.index.has(k);
  }
  add(k: K): void {
    if (this.index.has(k)) return;
    this.index.set(k, this.items.length);
    this.items.push(k);
  }
  remove(k: K): void {
    const i = this.index.get(k);
    if (i === undefined) return;
    const last = this.items.pop()!;
    this.index.delete(k);
    if (i < this.items.length) {
      this.items[i] = last;
      this.index.set(last, i);
    }
  }
  pick(prng: Prng): K {
    return this.items[Math.floor(prng.next() * this.items.length)]!;
  }
}

const ballotKey = (voterId: number, electionId: string) => `${voterId}/${electionId}`;

type Action = readonly [OpKind, TableName];
const ACTIONS: readonly Action[] = [
  ['insert', 'voters'],
  ['update', 'voters'],
  ['delete', 'voters'],
  ['insert', 'polls'],
  ['update', 'polls'],
  ['delete', 'polls'],
  ['insert', 'ballots'],
  ['update', 'ballots'],
  ['delete', 'ballots'],
];
const ACTION_WEIGHTS = [22, 18, 4, 24, 12, 4, 10, 4, 2];

export class Workload {
  private readonly prng: Prng;
  private seq: number;
  private clockMs: number;
  private readonly voters = new KeyPool<number>();
  private readonly polls = new KeyPool<number>();
  private readonly ballots = new KeyPool<string>();
  private readonly pollVoter = new Map<number, number>();
  private readonly pollsByVoter = new Map<number, Set<number>>();
  private readonly ballotsByVoter = new Map<number, Set<string>>();
  private nextPollId = 1;

  constructor(state: WorkloadState) {
    this.prng = new Prng(state.prngState);
    this.seq = state.seq;
    this.clockMs = state.clockMs;
    this.nextPollId = state.nextPollId;
    for (const id of state.live.voters) this.voters.add(id);
    for (const p of state.live.polls) this.addPoll(p.pollId, p.voterId);
    for (const b of state.live.ballots) this.addBallot(b.voterId, b.electionId);
  }

  next(): FakeOp {
    this.clockMs += this.prng.int(20, 1500);
    const at = this.clockMs;
    let [kind, table] = ACTIONS[this.prng.weighted(ACTION_WEIGHTS)]!;
    let changes = this.generate(kind, table, at);
    if (!changes) {
      // Nothing to update or delete yet (or no free ballot slot): grow the book instead.
      [kind, table] = ['insert', 'voters'];
      changes = this.insertVoter(at);
    }
    return { seq: ++this.seq, kind, table, atMs: at, changes, prngState: this.prng.state, nextPollId: this.nextPollId };
  }

  private generate(kind: OpKind, table: TableName, at: number): Change[] | undefined {
    switch (`${kind} ${table}`) {
      case 'insert voters':
        return this.insertVoter(at);
      case 'update voters':
        return this.voters.size ? this.updateVoter(at) : undefined;
      case 'delete voters':
        return this.voters.size ? this.deleteVoter() : undefined;
      case 'insert polls':
        return this.voters.size ? this.insertPoll(at) : undefined;
      case 'update polls':
        return this.polls.size ? this.updatePoll(at) : undefined;
      case 'delete polls':
        return this.polls.size ? this.deletePoll() : undefined;
      case 'insert ballots':
        return this.voters.size ? this.insertBallot(at) : undefined;
      case 'update ballots':
        return this.ballots.size ? this.updateBallot() : undefined;
      case 'delete ballots':
        return this.ballots.size ? this.deleteBallot() : undefined;
      default:
        return undefined;
    }
  }

  private micros(atMs: number): string {
    return timestamptzText(atMs * 1000 + this.prng.int(0, 999));
  }

  private insertVoter(at: number): Change[] {
    const p = this.prng;
    let id: number;
    do id = p.int(100_000_000, 999_999_999);
    while (this.voters.has(id));
    this.voters.add(id);
    const first = p.pick(FIRST_NAMES);
    const last = p.pick(LAST_NAMES);
    const row: AppRow = {
      id,
      first_name: first,
      last_name: last,
      address: this.address(),
      city: p.pick(CITIES),
      birth_date: dateText(p.int(-10_957, 13_878)), // 1940-01-01 .. 2007-12-31
      registered_at: timestamptzText((at - p.int(0, 3650) * 86_400_000) * 1000 + p.int(0, 999)),
      email: p.chance(0.9) ? `${first}.${last}${p.int(1, 99)}@example.org`.toLowerCase() : null,
      phone: p.chance(0.8) ? `+1-555-${String(p.int(0, 9999)).padStart(4, '0')}` : null,
      party_affinity: p.chance(0.75) ? p.pick(PARTIES) : null,
      updated_at: this.micros(at),
    };
    return [{ kind: 'insert', table: 'voters', row }];
  }

  private address(): string {
    return `${this.prng.int(1, 9999)} ${this.prng.pick(STREETS)} ${this.prng.pick(STREET_SUFFIXES)}`;
  }

  private updateVoter(at: number): Change[] {
    const p = this.prng;
    const id = this.voters.pick(p);
    const set: AppRow = {};
    switch (p.int(0, 3)) {
      case 0:
        set.address = this.address();
        set.city = p.pick(CITIES);
        break;
      case 1:
        set.email = `${p.pick(FIRST_NAMES)}.${p.int(100, 999)}@example.net`.toLowerCase();
        break;
      case 2:
        set.phone = p.chance(0.9) ? `+1-555-${String(p.int(0, 9999)).padStart(4, '0')}` : null;
        break;
      default:
        set.party_affinity = p.chance(0.8) ? p.pick(PARTIES) : null;
    }
    set.updated_at = this.micros(at);
    return [{ kind: 'update', table: 'voters', key: { id }, set }];
  }

  private deleteVoter(): Change[] {
    const id = this.voters.pick(this.prng);
    const changes: Change[] = [];
    for (const pollId of [...(this.pollsByVoter.get(id) ?? [])].sort((a, b) => a - b)) {
      changes.push({ kind: 'delete', table: 'polls', key: { poll_id: pollId } });
      this.removePoll(pollId);
    }
    for (const electionId of [...(this.ballotsByVoter.get(id) ?? [])].sort()) {
      changes.push({ kind: 'delete', table: 'ballots', key: { voter_id: id, election_id: electionId } });
      this.removeBallot(id, electionId);
    }
    changes.push({ kind: 'delete', table: 'voters', key: { id } });
    this.voters.remove(id);
    return changes;
  }

  private insertPoll(at: number): Change[] {
    const p = this.prng;
    const voterId = this.voters.pick(p);
    const pollId = this.nextPollId;
    const topic = topicOf(pollId);
    this.addPoll(pollId, voterId);
    const row: AppRow = {
      poll_id: pollId,
      voter_id: voterId,
      poll_name: topic.name,
      question: topic.question,
      answer: p.pick(topic.answers),
      weight: weightText(p.int(5000, 20000)),
      answered_at: this.micros(at),
    };
    return [{ kind: 'insert', table: 'polls', row }];
  }

  private updatePoll(at: number): Change[] {
    const pollId = this.polls.pick(this.prng);
    // A changed mind: another answer to the same poll.
    const set: AppRow = { answer: this.prng.pick(topicOf(pollId).answers), answered_at: this.micros(at) };
    if (this.prng.chance(0.3)) set.weight = weightText(this.prng.int(5000, 20000));
    return [{ kind: 'update', table: 'polls', key: { poll_id: pollId }, set }];
  }

  private deletePoll(): Change[] {
    const pollId = this.polls.pick(this.prng);
    this.removePoll(pollId);
    return [{ kind: 'delete', table: 'polls', key: { poll_id: pollId } }];
  }

  private insertBallot(at: number): Change[] | undefined {
    const p = this.prng;
    for (let attempt = 0; attempt < 4; attempt++) {
      const voterId = this.voters.pick(p);
      const electionId = p.pick(ELECTIONS);
      if (this.ballots.has(ballotKey(voterId, electionId))) continue;
      this.addBallot(voterId, electionId);
      const row: AppRow = {
        voter_id: voterId,
        election_id: electionId,
        precinct: `P-${String(p.int(1, 120)).padStart(3, '0')}`,
        cast_at: this.micros(at),
        method: p.pick(BALLOT_METHODS),
      };
      return [{ kind: 'insert', table: 'ballots', row }];
    }
    return undefined;
  }

  private updateBallot(): Change[] {
    const [voterId, electionId] = splitBallotKey(this.ballots.pick(this.prng));
    const set: AppRow = this.prng.chance(0.5)
      ? { precinct: `P-${String(this.prng.int(1, 120)).padStart(3, '0')}` }
      : { method: this.prng.pick(BALLOT_METHODS) };
    return [{ kind: 'update', table: 'ballots', key: { voter_id: voterId, election_id: electionId }, set }];
  }

  private deleteBallot(): Change[] {
    const [voterId, electionId] = splitBallotKey(this.ballots.pick(this.prng));
    this.removeBallot(voterId, electionId);
    return [{ kind: 'delete', table: 'ballots', key: { voter_id: voterId, election_id: electionId } }];
  }

  private addPoll(pollId: number, voterId: number): void {
    this.polls.add(pollId);
    this.pollVoter.set(pollId, voterId);
    setOf(this.pollsByVoter, voterId).add(pollId);
    if (pollId >= this.nextPollId) this.nextPollId = pollId + 1;
  }

  private removePoll(pollId: number): void {
    this.polls.remove(pollId);
    const voterId = this.pollVoter.get(pollId)!;
    this.pollVoter.delete(pollId);
    this.pollsByVoter.get(voterId)?.delete(pollId);
  }

  private addBallot(voterId: number, electionId: string): void {
    this.ballots.add(ballotKey(voterId, electionId));
    setOf(this.ballotsByVoter, voterId).add(electionId);
  }

  private removeBallot(voterId: number, electionId: string): void {
    this.ballots.remove(ballotKey(voterId, electionId));
    this.ballotsByVoter.get(voterId)?.delete(electionId);
  }
}

function setOf<K, V>(map: Map<K, Set<V>>, k: K): Set<V> {
  let s = map.get(k);
  if (!s) map.set(k, (s = new Set()));
  return s;
}

function splitBallotKey(k: string): [number, string] {
  const slash = k.indexOf('/');
  return [Number(k.slice(0, slash)), k.slice(slash + 1)];
}

/** Unscaled integer at scale 4 -> exact text ('1.2345'). */
const weightText = (unscaled: number): string => `${Math.floor(unscaled / 10000)}.${String(unscaled % 10000).padStart(4, '0')}`;
