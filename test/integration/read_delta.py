"""Reads Delta tables with another engine and prints their rows in lakehouse's canonical encoding.

Usage: read_delta.py ENGINE '[{"path": "/tmp/t", "version": 3}, ...]'
ENGINE is `deltalake` (delta-rs's own DataFusion scan), `deltalake-pyarrow` (delta-rs's pyarrow
dataset, what DeltaTable.to_pyarrow_table and to_pandas read through; it supports no reader table
features such as deletion vectors), `polars` (pl.read_delta) or `spark` (pyspark + delta-spark), each
at its defaults. A request without a version reads the latest. Prints one JSON array: for each
request, the list of rows (objects keyed by column name, in no particular order) or {"error": message}.

Canonical encoding: long and decimal as strings (decimal at its scale), binary as lowercase hex, date
YYYY-MM-DD, timestamps YYYY-MM-DDTHH:MM:SS.ffffff in UTC without zone, NaN/Infinity as strings, maps
as [key, value] pairs, structs as objects.
"""
import datetime
import decimal
import json
import math
import os
import sys

import pyarrow as pa


def encode(value, typ):
    if value is None:
        return None
    if pa.types.is_int64(typ):
        return str(value)
    if pa.types.is_decimal(typ):
        return format(value, "f") if typ.scale > 0 else str(int(value))
    if pa.types.is_floating(typ):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if pa.types.is_binary(typ) or pa.types.is_large_binary(typ) or pa.types.is_binary_view(typ):
        return bytes(value).hex()
    if pa.types.is_date(typ):
        return value.isoformat()
    if pa.types.is_timestamp(typ):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")  # strftime's %Y does not pad years before 1000
    if pa.types.is_struct(typ):
        return {typ.field(i).name: encode(value[typ.field(i).name], typ.field(i).type) for i in range(typ.num_fields)}
    if pa.types.is_map(typ):
        return [[encode(k, typ.key_type), encode(v, typ.item_type)] for k, v in value]
    if pa.types.is_list(typ) or pa.types.is_large_list(typ) or pa.types.is_list_view(typ):
        return [encode(v, typ.value_type) for v in value]
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def rows_of(table: pa.Table):
    schema = table.schema
    return [{f.name: encode(row[f.name], f.type) for f in schema} for row in table.to_pylist()]


def attempt(read):
    """Rows, or {"error": first line of the failure} so one bad table does not hide the others."""
    try:
        return read()
    except Exception as e:  # noqa: BLE001 - any engine failure is reported to the test
        cause = getattr(e, "java_exception", None) or e  # py4j wraps the useful Java message
        return {"error": f"{type(e).__name__}: {str(cause).strip().splitlines()[0][:1000]}"}


def read_deltalake(requests):
    from deltalake import DeltaTable, QueryBuilder

    out = []
    for r in requests:
        def read():
            dt = DeltaTable(r["path"], version=r.get("version"))
            # The DataFusion/kernel scan applies deletion vectors; to_pyarrow_table refuses such tables.
            return rows_of(pa.table(QueryBuilder().register("t", dt).execute("select * from t")))

        out.append(attempt(read))
    return out


def read_deltalake_pyarrow(requests):
    from deltalake import DeltaTable

    return [attempt(lambda: rows_of(DeltaTable(r["path"], version=r.get("version")).to_pyarrow_table())) for r in requests]


def read_polars(requests):
    import polars as pl

    def read(r):
        frame = pl.read_delta(r["path"]) if r.get("version") is None else pl.read_delta(r["path"], version=r["version"])
        return rows_of(frame.to_arrow())

    return [attempt(lambda: read(r)) for r in requests]


def read_spark(requests):
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[1]")
        .appName("lakehouse-interop")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        # Tiny tables: one partition for log replay and shuffles instead of 50/200 empty tasks.
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.databricks.delta.snapshotPartitions", "1")
    )
    spark = configure_spark_with_delta_pip(builder).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    out = []
    for r in requests:
        def read():
            reader = spark.read.format("delta")
            if r.get("version") is not None:
                reader = reader.option("versionAsOf", r["version"])
            return rows_of(reader.load(r["path"]).toArrow())

        out.append(attempt(read))
    spark.stop()
    return out


if __name__ == "__main__":
    engine, spec = sys.argv[1], json.loads(sys.argv[2])
    readers = {"deltalake": read_deltalake, "deltalake-pyarrow": read_deltalake_pyarrow, "polars": read_polars, "spark": read_spark}
    result = readers[engine](spec)
    print(json.dumps(result), flush=True)
    # The answer is out. delta-rs's native threads sometimes abort the interpreter's shutdown
    # ("terminate called without an active exception") after a refused read, turning a complete
    # answer into a failed process: leave without that shutdown.
    os._exit(0)
