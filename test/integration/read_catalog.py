"""Finds tables through an Iceberg REST catalog (pyiceberg, at its defaults) and prints their rows in
lakehouse's canonical encoding (read_delta.py's).

Usage: read_catalog.py URI NAMESPACE.TABLE ... Prints one JSON object: "tables", every table each
namespace of the catalog lists, and per requested table {"deltaVersion", "rows"} or {"error"}.
"""
import json
import sys

from pyiceberg.catalog import load_catalog

from read_delta import attempt, rows_of

uri, wanted = sys.argv[1], sys.argv[2:]
catalog = load_catalog("lakehouse", type="rest", uri=uri)
listed = sorted(".".join(t) for ns in catalog.list_namespaces() for t in catalog.list_tables(ns))


def read(name):
    table = catalog.load_table(name)
    return {"deltaVersion": int(table.properties["lakehouse.delta.version"]), "rows": rows_of(table.scan().to_arrow())}


print(json.dumps({"tables": listed, **{name: attempt(lambda: read(name)) for name in wanted}}))
