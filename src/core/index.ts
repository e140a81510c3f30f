export * from './errors.ts';
export * from './log.ts';
export * from './metrics.ts';
export * from './rate-meter.ts';
export * from './stage-clock.ts';
