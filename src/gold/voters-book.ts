/**
 * The voters book's gold aggregates (the embedded demo's), in dependency order (a definition reads only
 * earlier ones). The pipeline keeps the definitions it is given; the CLI gives these.
 */
import { field } from '../delta/schema.ts';
import { quote } from '../state/index.ts';
import { CHANGE_LEDGER } from './change-ledger.ts';
import type { GoldDefinition } from './definition.ts';

export const votersBookGold: readonly GoldDefinition[] = [
  {
    name: 'poll_latest_answers',
    description: "each voter's latest answer per poll, with the voter's city (an intermediate step)",
    publish: false,
    key: ['poll_name', 'voter_id'],
    columns: [field('poll_name', 'string'), field('voter_id', 'integer'), field('answer', 'string'), field('city', 'string')],
    select: `
      SELECT l.poll_name, l.voter_id, l.answer, v.city FROM (
        SELECT poll_name, voter_id, answer,
               row_number() OVER (PARTITION BY poll_name, voter_id ORDER BY answered_at DESC, poll_id DESC) AS nth
        FROM polls
      ) AS l LEFT JOIN voters AS v ON v.id = l.voter_id
      WHERE l.nth = 1`,
    sources: {
      polls: null,
      // A voter's city moves all of that voter's answers; the old rows still name the old city.
      voters: `
        SELECT poll_name, voter_id FROM polls WHERE voter_id IN (SELECT id FROM changed)
        UNION SELECT poll_name, voter_id FROM poll_latest_answers WHERE voter_id IN (SELECT id FROM changed)`,
    },
    indexes: { polls: [['poll_name', 'voter_id'], ['voter_id']], voters: [['id']] },
  },
  {
    name: 'poll_results',
    description: "each voter's latest answer per poll, counted per answer",
    key: ['poll_name', 'answer'],
    columns: [field('poll_name', 'string'), field('answer', 'string'), field('votes', 'long')],
    select: `SELECT poll_name, answer, count(*) AS votes FROM poll_latest_answers GROUP BY poll_name, answer`,
    sources: { poll_latest_answers: null },
    // (poll_name, answer, city) serves this table's lookups too: one index fewer to maintain.
    indexes: { poll_latest_answers: [['poll_name', 'answer', 'city'], ['voter_id']] },
  },
  {
    name: 'poll_results_by_city',
    description: "each voter's latest answer per poll, counted per answer and the voter's city",
    key: ['poll_name', 'answer', 'city'],
    columns: [field('poll_name', 'string'), field('answer', 'string'), field('city', 'string'), field('votes', 'long')],
    select: `SELECT poll_name, answer, city, count(*) AS votes FROM poll_latest_answers GROUP BY poll_name, answer, city`,
    sources: { poll_latest_answers: null },
    indexes: { poll_latest_answers: [['poll_name', 'answer', 'city']] },
  },
  {
    name: 'voters_per_city',
    description: 'registered voters per city',
    key: ['city'],
    columns: [field('city', 'string'), field('voters', 'long')],
    select: `SELECT city, count(*) AS voters FROM voters GROUP BY city`,
    sources: { voters: null },
    indexes: { voters: [['city']] },
  },
  {
    name: 'ballots_per_precinct',
    description: 'ballots cast per election and precinct',
    key: ['election_id', 'precinct'],
    columns: [field('election_id', 'string'), field('precinct', 'string'), field('ballots', 'long')],
    select: `SELECT election_id, precinct, count(*) AS ballots FROM ballots GROUP BY election_id, precinct`,
    sources: { ballots: null },
    indexes: { ballots: [['election_id', 'precinct']] },
  },
  {
    name: 'change_activity',
    description: 'changes applied to silver per table and minute of the source commit: inserts, updates, deletes',
    key: ['table_name', 'minute'],
    columns: [field('table_name', 'string'), field('minute', 'timestamp'), field('inserts', 'long'), field('updates', 'long'), field('deletes', 'long')],
    select: `
      SELECT table_name, minute, sum(inserts) AS inserts, sum(updates) AS updates, sum(deletes) AS deletes
      FROM ${quote(CHANGE_LEDGER)} GROUP BY table_name, minute`,
    sources: { [CHANGE_LEDGER]: null },
    // Each affected (table, minute) is recomputed on its own: without this the ledger is scanned each time.
    indexes: { [CHANGE_LEDGER]: [['table_name', 'minute']] },
  },
];
