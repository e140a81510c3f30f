export { BatchPreparer, decodeRecords, type DecodedBatch, type PreparedBatch } from './batch-preparer.ts';
export { Pipeline, addSummaries, emptySummary, type BatchSummary, type PipelineOptions } from './pipeline.ts';
export { PipelineView, type RunStatus } from './lakehouse-view.ts';
export { ChangeFeed } from './change-feed.ts';
export { DeadLetters, deadLetterSchema } from './dead-letters.ts';
export type * from './view.ts';
