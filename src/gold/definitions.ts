/** The voters book's gold aggregates. Adding one is a few lines here. */
import { field } from '../delta/schema.ts';
import type { GoldDefinition } from './definition.ts';

export const goldDefinitions: readonly GoldDefinition[] = [
  {
    name: 'poll_results',
    description: "each voter's latest answer per poll, counted per answer",
    sources: ['polls'],
    groupColumn: 'poll_name',
    key: ['poll_name', 'answer'],
    columns: [field('poll_name', 'string'), field('answer', 'string'), field('votes', 'long')],
    select: `
      SELECT poll_name, answer, count(*) AS votes FROM (
        SELECT poll_name, answer, row_number() OVER (PARTITION BY poll_name, voter_id ORDER BY answered_at DESC, poll_id DESC) AS nth FROM polls
      ) WHERE nth = 1 GROUP BY poll_name, answer`,
  },
  {
    name: 'voters_per_city',
    description: 'registered voters per city',
    sources: ['voters'],
    groupColumn: 'city',
    key: ['city'],
    columns: [field('city', 'string'), field('voters', 'long')],
    select: `SELECT city, count(*) AS voters FROM voters GROUP BY city`,
  },
];
