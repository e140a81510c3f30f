/**
 * Parquet through parquet-wasm (arrow-rs compiled to WebAssembly), exchanged with apache-arrow JS via
 * Arrow IPC. The .wasm is imported as a file asset so `bun build --compile` embeds it: the binary then
 * runs on machines that have no node_modules. Initialisation is lazy (about 50 ms), so commands that
 * never touch Parquet start fast.
 */
import wasmPath from 'parquet-wasm/esm/parquet_wasm_bg.wasm' with { type: 'file' };
import * as pw from 'parquet-wasm/esm';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { readFileSync } from 'node:fs';

let ready = false;
function init() {
  if (ready) return;
  pw.initSync({ module: readFileSync(wasmPath) });
  ready = true;
}

export interface ReadOptions {
  columns?: string[];
}

export function readParquet(bytes: Uint8Array, options: ReadOptions = {}): Table {
  init();
  const wasmTable = pw.readParquet(bytes, options.columns ? { columns: options.columns } : undefined);
  return tableFromIPC(wasmTable.intoIPCStream());
}

export interface WriteOptions {
  compression?: 'snappy' | 'zstd' | 'uncompressed';
  rowGroupSize?: number;
  createdBy?: string;
}

export function writeParquet(table: Table, options: WriteOptions = {}): Uint8Array {
  init();
  const codec = { snappy: pw.Compression.SNAPPY, zstd: pw.Compression.ZSTD, uncompressed: pw.Compression.UNCOMPRESSED }[options.compression ?? 'snappy'];
  let builder = new pw.WriterPropertiesBuilder().setCompression(codec).setCreatedBy(options.createdBy ?? 'lakehouse');
  if (options.rowGroupSize) builder = builder.setMaxRowGroupSize(options.rowGroupSize);
  return pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table, 'stream')), builder.build());
}
