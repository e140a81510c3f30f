import { describe, expect, test } from 'bun:test';
import { checkReadSupported, protocolHasFeature, readSupportedFeatures } from '../../../src/delta/features.ts';

describe('table features', () => {
  test('legacy protocols read without feature lists', () => {
    expect(() => checkReadSupported({ minReaderVersion: 1, minWriterVersion: 2 })).not.toThrow();
    expect(() => checkReadSupported({ minReaderVersion: 2, minWriterVersion: 5 })).not.toThrow();
  });

  test('reader version 3 needs readerFeatures', () => {
    expect(() => checkReadSupported({ minReaderVersion: 3, minWriterVersion: 7 })).toThrow('no readerFeatures');
  });

  test('unknown reader features and versions are unsupported', () => {
    expect(() => checkReadSupported({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['madeUp'] })).toThrow('unsupported Delta feature: madeUp');
    expect(() => checkReadSupported({ minReaderVersion: 4, minWriterVersion: 7 })).toThrow('unsupported Delta feature: reader version 4');
    expect(readSupportedFeatures()).toContain('v2Checkpoint');
    expect(readSupportedFeatures()).not.toContain('variantType');
  });

  test('features are enabled by name or implied by legacy versions', () => {
    expect(protocolHasFeature({ minReaderVersion: 2, minWriterVersion: 5 }, 'columnMapping')).toBe(true);
    expect(protocolHasFeature({ minReaderVersion: 1, minWriterVersion: 4 }, 'changeDataFeed')).toBe(true);
    expect(protocolHasFeature({ minReaderVersion: 1, minWriterVersion: 2 }, 'changeDataFeed')).toBe(false);
    expect(protocolHasFeature({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: [], writerFeatures: ['appendOnly'] }, 'appendOnly')).toBe(true);
    expect(protocolHasFeature({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: [], writerFeatures: [] }, 'appendOnly')).toBe(false);
  });
});
