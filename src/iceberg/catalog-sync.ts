/**
 * Keeps an Iceberg REST catalog's entries in step with the silver and gold tables: each table that
 * Iceberg can describe (iceberg-metadata.ts) is registered as `silver.<name>` or `gold.<name>` and
 * re-registered when its Delta version moves; a table it cannot describe gets one warning naming why.
 * Metadata files of earlier versions are deleted once the catalog points past them.
 */
import type { Logger } from '../core/log.ts';
import { LocalStorage } from '../storage/index.ts';
import { Snapshot } from '../delta/index.ts';
import { RestCatalog } from './rest-catalog.ts';
import { ICEBERG_DIR, icebergObstacle, writeIcebergMetadata } from './iceberg-metadata.ts';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const LAYERS = ['silver', 'gold'] as const;

export class CatalogSync {
  private readonly synced = new Map<string, number>();
  /** The metadata tag each table's entry pointed at before the current one: kept for readers mid-load. */
  private readonly previous = new Map<string, string>();
  private readonly warned = new Map<string, string>();

  private constructor(
    private readonly catalog: RestCatalog,
    /** The local folder holding silver/ and gold/. */
    private readonly tablesDir: string,
    private readonly log: Logger,
  ) {}

  static async open(url: string, tablesDir: string, log: Logger): Promise<CatalogSync> {
    const catalog = await RestCatalog.connect(url);
    for (const layer of LAYERS) await catalog.ensureNamespace(layer);
    return new CatalogSync(catalog, tablesDir, log);
  }

  /** Registers what changed since the last call; returns the entries it wrote. */
  async sync(): Promise<string[]> {
    const written: string[] = [];
    for (const layer of LAYERS) {
      const dir = join(this.tablesDir, layer);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).sort()) {
        if (name.startsWith('.') || !existsSync(join(dir, name, '_delta_log'))) continue;
        const key = `${layer}.${name}`;
        const root = join(dir, name);
        const storage = new LocalStorage(root);
        const snapshot = await Snapshot.open(storage);
        if (this.synced.get(key) === snapshot.version) continue;
        const obstacle = icebergObstacle(snapshot);
        if (obstacle) {
          if (this.warned.get(key) !== obstacle) this.log.warn('table not registered in the catalog', { table: key, reason: obstacle });
          this.warned.set(key, obstacle);
          // Registered earlier (by this or a former run): its entry would serve a version that is gone.
          await this.catalog.drop(layer, name);
          this.synced.set(key, snapshot.version);
          continue;
        }
        const location = await writeIcebergMetadata(storage, root, snapshot);
        await this.catalog.register(layer, name, location);
        this.synced.set(key, snapshot.version);
        written.push(key);
        const tag = tagOf(location);
        await deleteMetadataExcept(storage, [tag, this.previous.get(key)]);
        this.previous.set(key, tag);
      }
    }
    if (written.length) this.log.debug('catalog entries updated', { catalog: this.catalog.url, tables: written.join(',') });
    return written;
  }
}

const tagOf = (location: string) => /\/(v\d+-[0-9a-f-]+)\.metadata\.json$/.exec(location)![1]!;

/** Deletes the metadata files in _iceberg/ of every tag but those given (each tag: metadata, list, manifest). */
async function deleteMetadataExcept(storage: LocalStorage, keep: (string | undefined)[]) {
  const tags = keep.filter((t): t is string => !!t);
  for (const file of await storage.list(ICEBERG_DIR)) {
    if (!tags.some((t) => file.path.includes(t))) await storage.delete(file.path);
  }
}
