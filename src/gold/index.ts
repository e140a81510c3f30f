export { GoldTable } from './gold.ts';
export { goldDefinitions } from './definitions.ts';
export type { GoldDefinition } from './definition.ts';
