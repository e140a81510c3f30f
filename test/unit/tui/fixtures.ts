// Canned API data for the TUI tests: a small voting pipeline with three voters and one poll.
import type { Change, Health } from '../../../tui/api-types.ts';
import type { ContractData } from './contract-server.ts';

export const HEALTH: Health = {
  status: 'ok',
  source: { kind: 'embedded' },
  uptimeSeconds: 3725,
  eventsPerSecond: 1234,
  lag: 0,
  lastCommitMs: 85,
  deadLetters: 2,
  versions: { bronze: 12, silver: { voters: 3, votes: 5 }, gold: { poll_results: 5, voters_per_city: 5 } },
};

export const INSERT: Change = {
  id: 1,
  table: 'voters',
  op: 'c',
  key: { id: '42' },
  before: null,
  after: { id: '42', name: 'Ann', city: 'Oslo' },
  version: 1,
  position: '0:1',
  ts: '2026-11-25T09:00:01.000Z',
};

export const UPDATE: Change = {
  id: 2,
  table: 'voters',
  op: 'u',
  key: { id: '42' },
  before: { id: '42', name: 'Ann', city: 'Oslo' },
  after: { id: '42', name: 'Ann', city: 'Bergen' },
  version: 2,
  position: '0:2',
  ts: '2026-11-25T09:00:02.000Z',
};

export const DELETE: Change = {
  id: 3,
  table: 'votes',
  op: 'd',
  key: { id: '7' },
  before: { id: '7', voter: '42', answer: 'yes' },
  after: null,
  version: 3,
  position: '0:3',
  ts: '2026-11-25T09:00:03.000Z',
};

export const SNAPSHOT: Change = {
  id: 4,
  table: 'voters',
  op: 'r',
  key: { id: '43' },
  before: null,
  after: { id: '43', name: 'Bo', city: 'Oslo' },
  version: 3,
  position: '0:4',
  ts: '2026-11-25T09:00:04.000Z',
};

export function contractData(): ContractData {
  const voterFields = [
    { name: 'id', type: 'long', nullable: false },
    { name: 'name', type: 'string', nullable: true },
    { name: 'city', type: 'string', nullable: true },
  ];
  return {
    health: structuredClone(HEALTH),
    tables: [
      { name: 'voters', layer: 'silver', sqlName: 'silver.voters', version: 3, rows: 2, lastCommit: '2026-11-25T09:00:03.000Z' },
      { name: 'poll_results', layer: 'gold', sqlName: 'gold.poll_results', version: 5, rows: 3, lastCommit: '2026-11-25T09:00:03.000Z' },
      { name: 'voters_per_city', layer: 'gold', sqlName: 'gold.voters_per_city', version: 5, rows: 2, lastCommit: '2026-11-25T09:00:03.000Z' },
    ],
    details: {
      voters: {
        name: 'voters',
        layer: 'silver',
        version: 3,
        schema: { fields: voterFields },
        protocol: { minReaderVersion: 1, minWriterVersion: 2 },
        partitionColumns: [],
        files: 3,
        sizeBytes: 4096,
      },
      poll_results: detail('poll_results', 5),
      voters_per_city: detail('voters_per_city', 5),
    },
    history: {
      voters: [
        { version: 3, timestamp: Date.UTC(2026, 10, 25, 9, 0, 3), operation: 'MERGE', operationParameters: {} },
        { version: 2, timestamp: Date.UTC(2026, 10, 25, 9, 0, 2), operation: 'MERGE', operationParameters: {} },
        { version: 1, timestamp: Date.UTC(2026, 10, 25, 9, 0, 1), operation: 'WRITE', operationParameters: { mode: 'Append' } },
      ],
    },
    rows: {
      voters: {
        1: [{ id: '42', name: 'Ann', city: 'Oslo' }],
        2: [{ id: '42', name: 'Ann', city: 'Bergen' }],
        3: [
          { id: '42', name: 'Ann', city: 'Bergen' },
          { id: '43', name: 'Bo', city: 'Oslo' },
        ],
      },
      poll_results: {
        5: [
          { poll: 'lunch', answer: 'pizza', votes: '30' },
          { poll: 'lunch', answer: 'sushi', votes: '10' },
          { poll: 'lunch', answer: 'salad', votes: '0' },
        ],
      },
      voters_per_city: {
        5: [
          { city: 'Oslo', voters: '1' },
          { city: 'Bergen', voters: '3' },
        ],
      },
    },
    changes: [INSERT, UPDATE, DELETE],
  };
}

function detail(name: string, version: number) {
  return {
    name,
    layer: 'gold' as const,
    version,
    schema: { fields: [] },
    protocol: {},
    partitionColumns: [],
    files: 1,
    sizeBytes: 100,
  };
}
