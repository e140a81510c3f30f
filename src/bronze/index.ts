export { Bronze, bronzeSchema, freshRecords, partitionKey, writeBronzeFiles, type PartitionSpan, type WrittenBronze } from './bronze.ts';
