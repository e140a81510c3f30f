/**
 * Parquet through parquet-wasm (arrow-rs compiled to WebAssembly), exchanged with apache-arrow JS via
 * Arrow IPC. The .wasm is imported as a file asset so `bun build --compile` embeds it: the binary then
 * runs on machines that have no node_modules. Initialisation is lazy (about 50 ms), so commands that
 * never touch Parquet start fast.
 */
import wasmPath from 'parquet-wasm/esm/parquet_wasm_bg.wasm' with { type: 'file' };
import * as pw from 'parquet-wasm/esm';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { columnsWithoutDictionary } from './dictionary-choice.ts';
import { declareInt96AsFixed, int96ToTimestamps } from './int96.ts';
import { readFileSync } from 'node:fs';

let ready = false;
function init() {
  if (ready) return;
  pw.initSync({ module: readFileSync(wasmPath) });
  ready = true;
}

/** A whole Parquet file as an Arrow table; INT96 columns come back as Timestamp(µs, 'UTC'). */
export function readParquet(bytes: Uint8Array): Table {
  init();
  const int96 = declareInt96AsFixed(bytes);
  if (!int96) return tableFromIPC(pw.readParquet(bytes).intoIPCStream());
  return int96ToTimestamps(tableFromIPC(pw.readParquet(int96.bytes).intoIPCStream()), int96.columns);
}

/**
 * Only the named columns of a Parquet file (top-level names, or dotted paths into structs), in file
 * order; the other column chunks are not decoded. Async because parquet-wasm 0.8 applies a projection
 * only in its async ParquetFile reader: its synchronous readParquet accepts a `columns` option and
 * ignores it.
 */
export async function readParquetColumns(bytes: Uint8Array, columns: readonly string[]): Promise<Table> {
  init();
  const int96 = declareInt96AsFixed(bytes);
  const file = await pw.ParquetFile.fromFile(new Blob([int96?.bytes ?? bytes]));
  try {
    const table = tableFromIPC((await file.read({ columns: [...columns] })).intoIPCStream());
    return int96 ? int96ToTimestamps(table, int96.columns) : table;
  } finally {
    file.free();
  }
}

export interface WriteOptions {
  compression?: 'snappy' | 'zstd' | 'uncompressed';
  rowGroupSize?: number;
  createdBy?: string;
  /** Top-level primitive columns to write without min/max statistics (costly on long text, useless). */
  withoutStatistics?: readonly string[];
}

export function writeParquet(table: Table, options: WriteOptions = {}): Uint8Array {
  init();
  const codec = { snappy: pw.Compression.SNAPPY, zstd: pw.Compression.ZSTD, uncompressed: pw.Compression.UNCOMPRESSED }[options.compression ?? 'snappy'];
  let builder = new pw.WriterPropertiesBuilder().setCompression(codec).setCreatedBy(options.createdBy ?? 'lakehouse');
  if (options.rowGroupSize) builder = builder.setMaxRowGroupSize(options.rowGroupSize);
  for (const column of columnsWithoutDictionary(table)) builder = builder.setColumnDictionaryEnabled(column, false);
  for (const column of options.withoutStatistics ?? []) builder = builder.setColumnStatisticsEnabled(column, pw.EnabledStatistics.None);
  return pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table, 'stream')), builder.build());
}
