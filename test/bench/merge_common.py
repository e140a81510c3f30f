"""
The seed's approach to silver, shared by the Spark and delta-rs drivers (merge_spark.py,
merge_deltalake.py): NDJSON Kafka records in micro-batches; per batch and source table, the latest
event per key by ts_ms (ties: the later record), then one MERGE into the table (delete on 'd', update
all when matched, insert when not matched). No ordering across batches, no tombstone positions:
this is the baseline lakehouse is measured against, flaws included.
"""
import json
import os
import sys
import time


def micro_batches(path, records, batch_size):
    """Yields lists of (table, key_columns, rows) per micro-batch; rows carry __op and __ts_ms."""
    batch = []
    with open(path) as f:
        for i, line in enumerate(f):
            if i >= records:
                break
            batch.append(line)
            if len(batch) == batch_size:
                yield latest_per_key(batch)
                batch = []
    if batch:
        yield latest_per_key(batch)


def latest_per_key(lines):
    tables = {}
    for line in lines:
        r = json.loads(line)
        if r["value"] is None:
            continue  # tombstone
        payload = json.loads(r["value"])["payload"]
        op = payload.get("op")
        if op not in ("c", "u", "d", "r"):
            continue
        key = json.loads(r["key"])["payload"]
        image = payload["before"] if op == "d" else payload["after"]
        row = dict(image)
        row["__op"] = op
        row["__ts_ms"] = payload["ts_ms"]
        table = r["topic"].rsplit(".", 1)[1]
        key_columns, latest = tables.setdefault(table, (tuple(key), {}))
        k = tuple(key[c] for c in key_columns)
        prev = latest.get(k)
        if prev is None or prev["__ts_ms"] <= row["__ts_ms"]:
            latest[k] = row
    return [(t, list(kc), list(rows.values())) for t, (kc, rows) in tables.items()]


class ColumnTypes:
    """Python value types per table and column, fixed at first sight, so every batch has one schema."""

    def __init__(self):
        self.tables = {}

    def of(self, table, rows):
        types = self.tables.setdefault(table, {})
        for row in rows:
            for c, v in row.items():
                if v is not None and c not in types:
                    types[c] = type(v)
            for c in row:
                types.setdefault(c, str)
        return types


def report(engine, started, merge_seconds, batches, events, counts, jvm=None):
    """One JSON line; `jvm` is the CPU and peak RSS of a JVM the process started, if any."""
    print(json.dumps({"engine": engine, "wall_s": round(time.time() - started, 3), "merge_s": round(merge_seconds, 3),
                      "batches": batches, "events": events, "rows": counts, "jvm": jvm}))
    sys.stdout.flush()
    # Skip the interpreter's teardown: delta-rs's runtime threads can abort it ("terminate called
    # without an active exception") after the work is done and reported.
    os._exit(0)
