export { Bronze, bronzeSchema, partitionKey, type BronzeAppend } from './bronze.ts';
