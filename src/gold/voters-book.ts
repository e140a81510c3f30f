/**
 * The voters book's gold aggregates (the embedded demo's), in dependency order (a definition reads only
 * earlier ones). Plain definitions like any user's: the pipeline keeps the definitions it is given.
 */
import { quote } from '../state/index.ts';
import { CHANGE_LEDGER } from './change-ledger.ts';
import type { GoldDefinition } from './definition.ts';

export const votersBookGold: readonly GoldDefinition[] = [
  {
    name: 'poll_latest_answers',
    description: "each voter's latest answer per poll, with the voter's city (an intermediate step)",
    publish: false,
    sql: `
      SELECT l.poll_name, l.voter_id, l.answer, v.city FROM (
        SELECT poll_name, voter_id, answer,
               row_number() OVER (PARTITION BY poll_name, voter_id ORDER BY answered_at DESC, poll_id DESC) AS nth
        FROM polls
      ) AS l LEFT JOIN voters AS v ON v.id = l.voter_id
      WHERE l.nth = 1`,
  },
  {
    name: 'poll_results',
    description: "each voter's latest answer per poll, counted per answer",
    sql: `SELECT poll_name, answer, count(*) AS votes FROM poll_latest_answers GROUP BY poll_name, answer`,
  },
  {
    name: 'poll_results_by_city',
    description: "each voter's latest answer per poll, counted per answer and the voter's city",
    sql: `SELECT poll_name, answer, city, count(*) AS votes FROM poll_latest_answers GROUP BY poll_name, answer, city`,
  },
  {
    name: 'voters_per_city',
    description: 'registered voters per city',
    sql: `SELECT city, count(*) AS voters FROM voters GROUP BY city`,
  },
  {
    name: 'ballots_per_precinct',
    description: 'ballots cast per election and precinct',
    sql: `SELECT election_id, precinct, count(*) AS ballots FROM ballots GROUP BY election_id, precinct`,
  },
  {
    name: 'change_activity',
    description: 'changes applied to silver per table and minute of the source commit: inserts, updates, deletes',
    sql: `
      SELECT table_name, minute, sum(inserts) AS inserts, sum(updates) AS updates, sum(deletes) AS deletes
      FROM ${quote(CHANGE_LEDGER)} GROUP BY table_name, minute`,
  },
];
