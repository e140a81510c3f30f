"""
delta-rs (python `deltalake`) MERGE per micro-batch, the seed's approach on the same events as
lakehouse ingest. Prints one JSON line of figures. Driven by merge-compare.bench.ts.
  python3 test/bench/merge_deltalake.py NDJSON RECORDS BATCH OUT_DIR
"""
import os
import sys
import time

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from merge_common import ColumnTypes, micro_batches, report

ARROW = {int: pa.int64(), float: pa.float64(), str: pa.string(), bool: pa.bool_()}


def main(path, records, batch_size, out):
    started = time.time()
    types = ColumnTypes()
    merge_seconds = 0.0
    batches = events = 0
    for batch in micro_batches(path, int(records), int(batch_size)):
        batches += 1
        for table, key_columns, rows in batch:
            events += len(rows)
            schema = pa.schema([(c, ARROW[t]) for c, t in types.of(table, rows).items()])
            source = pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema=schema)
            target = os.path.join(out, table)
            t0 = time.time()
            if not os.path.exists(target):
                write_deltalake(target, source.slice(0, 0))
            (
                DeltaTable(target)
                .merge(source, " AND ".join(f"t.{c} = s.{c}" for c in key_columns), source_alias="s", target_alias="t")
                .when_matched_delete(predicate="s.__op = 'd'")
                .when_matched_update_all(predicate="s.__op <> 'd'")
                .when_not_matched_insert_all(predicate="s.__op <> 'd'")
                .execute()
            )
            merge_seconds += time.time() - t0
    counts = {t: DeltaTable(os.path.join(out, t)).to_pyarrow_table().num_rows for t in sorted(os.listdir(out))}
    report("delta-rs", started, merge_seconds, batches, events, counts)


if __name__ == "__main__":
    main(*sys.argv[1:5])
