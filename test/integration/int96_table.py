"""Writes a Delta table whose data files hold INT96 timestamps over the whole Delta range, and prints
the rows pyarrow reads from them in lakehouse's canonical encoding (read_delta.py's).

Usage: int96_table.py DIR. pyarrow writes the Parquet files (use_deprecated_int96_timestamps, as Spark
and Hive did); delta-rs's convert_to_deltalake makes them a Delta table. pyarrow reads INT96 back
exactly when asked for microseconds (coerce_int96_timestamp_unit), which is the expectation.
"""
import datetime
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import convert_to_deltalake

from read_delta import rows_of

D = datetime.datetime
ends = [D(1, 1, 1), D(1, 1, 1, 0, 0, 0, 1), D(1677, 9, 21, 0, 12, 43, 145224), D(1969, 12, 31, 23, 59, 59, 999999),
        D(1970, 1, 1), D(2262, 4, 11, 23, 47, 16, 854776), D(9999, 12, 30), D(9999, 12, 30, 12, 34, 56, 789012),
        D(9999, 12, 31, 23, 59, 59, 999999), None]
ts = pa.timestamp("us", tz="UTC")


def table(offset):
    n = len(ends) * 30  # repeated values: the writer dictionary-encodes them
    values = [ends[i % len(ends)] for i in range(n)]
    return pa.table({
        "id": pa.array(range(offset, offset + n), pa.int64()),
        "at": pa.array(values, ts),
        "nested": pa.array([None if i % 7 == 0 else {"at": values[-1 - i]} for i in range(n)], pa.struct([("at", ts)])),
        "list": pa.array([None if i % 5 == 0 else [values[i], None, values[(i * 3) % n]] for i in range(n)], pa.list_(ts)),
    })


root = sys.argv[1]
os.makedirs(root, exist_ok=True)
expected = []
for k, row_group_size in enumerate([1000, 64]):  # one row group; several
    t = table(k * 1000)
    path = os.path.join(root, f"part-{k}.parquet")
    pq.write_table(t, path, use_deprecated_int96_timestamps=True, row_group_size=row_group_size,
                   store_schema=False)  # as Spark writes them: no arrow schema to hint the unit
    expected += rows_of(pq.read_table(path, coerce_int96_timestamp_unit="us"))
    assert pq.ParquetFile(path).schema.column(1).physical_type == "INT96"
convert_to_deltalake(root)
print(json.dumps(expected))
