import { type Dirent, linkSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FileInfo, Storage } from './storage.ts';

/**
 * Local filesystem storage. `putIfAbsent` writes a private temp file, fsyncs it and then link(2)s it to
 * the final name: link fails with EEXIST when the name is taken, so a commit is never overwritten and a
 * reader never sees a half-written one. We never rename over an existing file.
 */
export class LocalStorage implements Storage {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private abs(path: string) {
    return path === '' ? this.root : join(this.root, path);
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const file = Bun.file(this.abs(path));
    try {
      return new Uint8Array(await file.arrayBuffer());
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async readRange(path: string, start: number, end: number): Promise<Uint8Array> {
    return new Uint8Array(await Bun.file(this.abs(path)).slice(start, end).arrayBuffer());
  }

  async list(dir: string, options: { recursive?: boolean } = {}): Promise<FileInfo[]> {
    const base = this.abs(dir);
    const out: FileInfo[] = [];
    const walk = (abs: string) => {
      let entries: Dirent[];
      try {
        entries = readdirSync(abs, { withFileTypes: true });
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'ENOTDIR') return;
        throw err;
      }
      for (const e of entries) {
        const full = join(abs, e.name);
        if (e.isDirectory()) {
          if (options.recursive) walk(full);
        } else if (e.isFile()) {
          // A concurrent writer's temp file can vanish between readdir and stat (it was linked and unlinked).
          const st = statSync(full, { throwIfNoEntry: false });
          if (!st) continue;
          out.push({ path: relative(this.root, full).split(sep).join('/'), size: st.size, modified: st.mtimeMs });
        }
      }
    };
    walk(base);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async write(path: string, bytes: Uint8Array | string): Promise<void> {
    const tmp = await this.writeTemp(path, bytes);
    renameSync(tmp, this.abs(path));
  }

  async putIfAbsent(path: string, bytes: Uint8Array | string): Promise<boolean> {
    const tmp = await this.writeTemp(path, bytes);
    try {
      linkSync(tmp, this.abs(path));
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'EEXIST') return false;
      throw err;
    } finally {
      unlinkSync(tmp);
    }
  }

  async delete(path: string): Promise<void> {
    rmSync(this.abs(path), { force: true });
  }

  at(dir: string): Storage {
    return new LocalStorage(this.abs(dir));
  }

  /**
   * Temp files live beside the target (same filesystem for link/rename) under a dot-name readers skip.
   * Written and synced off the main thread: an fsync costs milliseconds, and writers of different
   * tables (silver applies tables concurrently) then share the disk's flushes instead of queueing.
   */
  private async writeTemp(path: string, bytes: Uint8Array | string): Promise<string> {
    const target = this.abs(path);
    mkdirSync(dirname(target), { recursive: true });
    const tmp = join(dirname(target), `.${randomUUID()}.tmp`);
    const file = await open(tmp, 'wx');
    try {
      const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
      let off = 0;
      while (off < data.length) off += (await file.write(data, off, data.length - off)).bytesWritten;
      await file.sync();
    } finally {
      await file.close();
    }
    return tmp;
  }
}
