/** A separate process for the concurrency test: appends `count` one-row commits to the table at argv[2]. */
import { LocalStorage } from '../../../src/storage/local.ts';
import { DeltaTable } from '../../../src/delta/commit.ts';

const [root, tag, count] = process.argv.slice(2);
const base = tag === 'p1' ? 0 : 1000;
const table = await DeltaTable.open(new LocalStorage(root));
for (let i = 0; i < Number(count); i++) {
  // Each transaction starts from this process's possibly stale snapshot: losing races is the point.
  const tx = table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Append' } });
  await tx.writeRows([{ id: base + i, name: tag }]);
  await tx.commit();
}
