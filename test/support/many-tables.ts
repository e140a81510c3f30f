/**
 * Kafka records (NDJSON lines) of `tables` distinct PostgreSQL source tables, three records each (two
 * inserts and an update, schemaless envelopes, keyed), a table's records together, as a connector
 * snapshotting table after table sends them. Shared by the many-tables benchmark and the SIGTERM test.
 */
export function manyTablesNdjson(tables: number): string {
  const lines: string[] = [];
  let offset = 0;
  for (let t = 0; t < tables; t++) {
    for (let round = 0; round < 3; round++) {
      const table = `t${t}`;
      const id = round === 2 ? 1 : round + 1;
      const after = { id, name: `row ${id} of ${table}`, round };
      const source = { connector: 'postgresql', name: 'srv', db: 'db', schema: 'public', table, lsn: 1000 + offset, ts_ms: 1_767_600_000_000 };
      const value = { op: round === 2 ? 'u' : 'c', before: null, after, source, ts_ms: 1_767_600_000_000 };
      lines.push(
        JSON.stringify({
          topic: `srv.public.${table}`,
          partition: 0,
          offset: offset++,
          timestamp: 1_767_600_000_000,
          key: JSON.stringify({ id }),
          value: JSON.stringify(value),
        }),
      );
    }
  }
  return lines.join('\n') + '\n';
}
