"""
Spark (pyspark + delta-spark) MERGE per micro-batch: the seed's approach, on the same events as
lakehouse ingest. Prints one JSON line of figures. Driven by merge-compare.bench.ts; needs
`bash test/setup/python-deps.sh spark` (the Delta jars come from Maven Central on first use).
  python3 test/bench/merge_spark.py NDJSON RECORDS BATCH OUT_DIR
"""
import os
import sys
import time

from delta import configure_spark_with_delta_pip
from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType

from merge_common import ColumnTypes, micro_batches, report

SPARK = {int: LongType(), float: DoubleType(), str: StringType(), bool: BooleanType()}


def main(path, records, batch_size, out):
    started = time.time()
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("merge-bench")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
    )
    spark = configure_spark_with_delta_pip(builder).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    types = ColumnTypes()
    merge_seconds = 0.0
    batches = events = 0
    for batch in micro_batches(path, int(records), int(batch_size)):
        batches += 1
        for table, key_columns, rows in batch:
            events += len(rows)
            columns = types.of(table, rows)
            schema = StructType([StructField(c, SPARK[t], True) for c, t in columns.items()])
            source = spark.createDataFrame([tuple(r.get(c) for c in columns) for r in rows], schema)
            target = os.path.join(out, table)
            t0 = time.time()
            if not os.path.exists(target):
                source.limit(0).write.format("delta").save(target)
            (
                DeltaTable.forPath(spark, target).alias("t")
                .merge(source.alias("s"), " AND ".join(f"t.{c} = s.{c}" for c in key_columns))
                .whenMatchedDelete(condition="s.__op = 'd'")
                .whenMatchedUpdateAll(condition="s.__op <> 'd'")
                .whenNotMatchedInsertAll(condition="s.__op <> 'd'")
                .execute()
            )
            merge_seconds += time.time() - t0
    counts = {t: spark.read.format("delta").load(os.path.join(out, t)).count() for t in sorted(os.listdir(out))}
    jvm = jvm_usage(spark.sparkContext._gateway.proc.pid)
    spark.stop()
    report("spark", started, merge_seconds, batches, events, counts, jvm)


def jvm_usage(pid):
    """CPU seconds and peak RSS of Spark's JVM, which /usr/bin/time does not see (it is never waited for)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    with open(f"/proc/{pid}/status") as f:
        hwm_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return {"cpu_s": round(cpu, 2), "peak_rss_mb": round(hwm_kb / 1024)}


if __name__ == "__main__":
    main(*sys.argv[1:5])
