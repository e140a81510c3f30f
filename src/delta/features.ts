/**
 * Table features as one data registry (PROTOCOL.md, "Table Features"): each feature's name, the protocol
 * versions it needs, whether it affects readers, and whether this reader handles it. A table that names a
 * reader feature we do not handle is refused up front with a message listing what we support.
 */
import type { Protocol } from './actions.ts';
import { corruptTable, unsupportedFeature } from '../core/errors.ts';

export interface TableFeature {
  name: string;
  minReaderVersion: number;
  minWriterVersion: number;
  /** Reader-writer features appear in `readerFeatures`; writer-only features do not change reads. */
  readerWriter: boolean;
  /** This reader returns correct rows for tables that use the feature. */
  readSupported: boolean;
}

const feature = (name: string, minReaderVersion: number, minWriterVersion: number, readerWriter: boolean, readSupported: boolean): TableFeature => ({
  name,
  minReaderVersion,
  minWriterVersion,
  readerWriter,
  readSupported,
});

export const TABLE_FEATURES: readonly TableFeature[] = [
  feature('appendOnly', 0, 2, false, true),
  feature('invariants', 0, 2, false, true),
  feature('checkConstraints', 0, 3, false, true),
  feature('changeDataFeed', 0, 4, false, true),
  feature('generatedColumns', 0, 4, false, true),
  feature('identityColumns', 0, 6, false, true),
  feature('columnMapping', 2, 5, true, true),
  feature('deletionVectors', 3, 7, true, true),
  feature('timestampNtz', 3, 7, true, true),
  feature('v2Checkpoint', 3, 7, true, true),
  feature('typeWidening', 3, 7, true, true),
  feature('typeWidening-preview', 3, 7, true, true),
  feature('vacuumProtocolCheck', 3, 7, true, true),
  feature('domainMetadata', 0, 7, false, true),
  feature('rowTracking', 0, 7, false, true),
  feature('inCommitTimestamp', 0, 7, false, true),
  feature('clustering', 0, 7, false, true),
  feature('icebergCompatV1', 0, 7, false, true),
  feature('icebergCompatV2', 0, 7, false, true),
  // Variant values need a binary variant decoder we do not have; refusing beats returning garbage.
  feature('variantType', 3, 7, true, false),
  feature('variantType-preview', 3, 7, true, false),
  feature('variantShredding-preview', 3, 7, true, false),
  feature('collations-preview', 3, 7, true, false),
];

const byName = new Map(TABLE_FEATURES.map((f) => [f.name, f]));

export const findFeature = (name: string): TableFeature | undefined => byName.get(name);

export const readSupportedFeatures = (): string[] => TABLE_FEATURES.filter((f) => f.readerWriter && f.readSupported).map((f) => f.name);

/** The highest reader protocol version this reader understands. */
export const MAX_READER_VERSION = 3;

/** Throws unless this reader can read a table with this protocol. */
export function checkReadSupported(protocol: Protocol): void {
  const { minReaderVersion, readerFeatures } = protocol;
  if (!Number.isInteger(minReaderVersion) || minReaderVersion < 1) {
    throw corruptTable(`protocol.minReaderVersion is invalid: ${minReaderVersion}`);
  }
  if (minReaderVersion > MAX_READER_VERSION) {
    throw unsupportedFeature(`reader version ${minReaderVersion}`, [`reader versions 1..${MAX_READER_VERSION}`, ...readSupportedFeatures()]);
  }
  if (minReaderVersion === 3) {
    if (!Array.isArray(readerFeatures)) throw corruptTable('protocol has minReaderVersion 3 but no readerFeatures');
    for (const name of readerFeatures) {
      const f = byName.get(name);
      if (!f?.readSupported) throw unsupportedFeature(name, readSupportedFeatures());
    }
  }
}

/** Whether a feature is enabled by this protocol (explicitly listed, or implied by legacy versions). */
export function protocolHasFeature(protocol: Protocol, name: string): boolean {
  if (protocol.readerFeatures?.includes(name) || protocol.writerFeatures?.includes(name)) return true;
  const f = byName.get(name);
  if (!f) return false;
  const explicitReader = protocol.minReaderVersion >= 3;
  const explicitWriter = protocol.minWriterVersion >= 7;
  // Legacy protocols (reader < 3 / writer < 7) enable every feature their versions cover.
  if (f.readerWriter)
    return !explicitReader && f.minReaderVersion > 0 && protocol.minReaderVersion >= f.minReaderVersion && protocol.minWriterVersion >= f.minWriterVersion;
  return !explicitWriter && protocol.minWriterVersion >= f.minWriterVersion;
}

/**
 * What a reader must support to read a table: its reader version and the reader features it lists
 * (reader version 2 means column mapping; 1 needs nothing). Writer-only features do not matter to it.
 */
export function readerRequirements(protocol: Protocol): { minReaderVersion: number; features: string[] } {
  const { minReaderVersion } = protocol;
  const features = minReaderVersion >= 3 ? [...(protocol.readerFeatures ?? [])] : minReaderVersion === 2 ? ['columnMapping'] : [];
  return { minReaderVersion, features };
}

/** "reader version 3: deletionVectors, timestampNtz", "reader version 1" */
export function describeReaderRequirements(protocol: Protocol): string {
  const { minReaderVersion, features } = readerRequirements(protocol);
  return `reader version ${minReaderVersion}${features.length ? `: ${features.join(', ')}` : ''}`;
}
