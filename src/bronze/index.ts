export { Bronze, bronzeSchema, freshRecords, partitionKey, writeBronzeFiles, type PartitionSpan, type WrittenBronze } from './bronze.ts';
export { inStoredOrder, readingOrder, fileVersions, VERSIONS_TAG, type BronzeFile, type VersionRange } from './file-versions.ts';
export { compactionWindow, DEFAULT_MAX_MERGE_BYTES, DEFAULT_MERGE_FACTOR, DEFAULT_SMALL_FILE_BYTES, type BronzeCompactionOptions } from './compaction.ts';
