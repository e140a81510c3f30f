#!/usr/bin/env bash
# Installs an Iceberg REST catalog server for the catalog test: Apache Iceberg's REST catalog (the
# servlet and JDBC catalog it publishes on Maven Central) and its runtime jars, copied by Maven into
# ~/.cache/lakehouse/iceberg-rest-<version>/. Idempotent. Prints that folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=$(sed -n 's:.*<iceberg.version>\(.*\)</iceberg.version>.*:\1:p' "$here/iceberg-rest/pom.xml")
jars="${LAKEHOUSE_CACHE:-$HOME/.cache/lakehouse}/iceberg-rest-$version"
if [ ! -f "$jars/.complete" ]; then
  if ! command -v mvn >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven; } >/dev/null
  fi
  mvn -q -f "$here/iceberg-rest/pom.xml" dependency:copy-dependencies -DoutputDirectory="$jars" >&2
  touch "$jars/.complete"
fi
echo "$jars"
