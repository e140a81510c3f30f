export { BatchPreparer, decodeRecords, type DecodedBatch, type PreparedBatch } from './batch-preparer.ts';
export { Pipeline, addSummaries, emptySummary, type BatchSummary, type PipelineOptions } from './pipeline.ts';
export { PipelineView, type RunStatus } from './pipeline-view.ts';
export { ChangeFeed } from './change-feed.ts';
export { DeadLetters, deadLetterSchema } from './dead-letters.ts';
export type * from './lakehouse-view.ts';
