import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../src/storage/local.ts';
import { storageSuite } from './storage-suite.ts';

storageSuite('LocalStorage', async () => new LocalStorage(mkdtempSync(join(tmpdir(), 'storage-suite-'))));
