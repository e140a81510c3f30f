#!/usr/bin/env bash
# Installs the Python packages the integration tests drive: delta-rs (deltalake), pyarrow, Polars,
# pyiceberg, moto's S3 server and schemathesis (the API fuzzer); with the argument `spark`, also pyspark + delta-spark (whose jars Spark fetches from Maven
# Central on first use and caches in ~/.ivy2*). Idempotent and quiet: what already imports is skipped.
set -euo pipefail
PY="${PYTHON:-python3}"
# One interpreter looks for every module (each start costs a second or more on a loaded machine).
read -r -a need <<< "$("$PY" -c '
import importlib.util
wanted = {"deltalake": ["deltalake"], "pyarrow": ["pyarrow"], "polars": ["polars"], "pyiceberg": ["pyiceberg"],
          "moto[server]": ["moto.server", "flask", "flask_cors"], "schemathesis==4.32.5": ["schemathesis"]}
def present(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False
print(" ".join(name for name, modules in wanted.items() if not all(present(m) for m in modules)))
')"
if [ "${1:-}" = spark ]; then
  # delta-spark 4.4.0 is the newest whose jar (delta-spark_4.2_2.13) is on Maven Central for pyspark 4.2.
  "$PY" -c 'import importlib.metadata as m, sys; sys.exit(m.version("delta-spark") != "4.4.0" or not m.version("pyspark").startswith("4.2."))' 2>/dev/null \
    || need+=('pyspark==4.2.0' 'delta-spark==4.4.0')
fi
if [ "${#need[@]}" -gt 0 ]; then
  "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${need[@]}"
fi
