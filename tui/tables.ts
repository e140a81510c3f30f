// Table names the TUI asks for by name. The gold names may still change on the server side; keep them here only.
export const TABLES = {
  pollResults: "poll_results",
  votersPerCity: "voters_per_city",
} as const;

/** Column names of the gold tables' rows. */
export const GOLD_COLUMNS = {
  pollResults: { poll: "poll", answer: "answer", votes: "votes" },
  votersPerCity: { city: "city", voters: "voters" },
} as const;
