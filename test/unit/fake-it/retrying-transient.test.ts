import { expect, test } from 'bun:test';
import { isTransientMysqlError } from '../../../fake-it/mysql-target.ts';
import { retryingTransient } from '../../../fake-it/source-database.ts';

const deadlock = Object.assign(new Error('Deadlock found when trying to get lock'), { errno: 1213 });
const duplicate = Object.assign(new Error('Duplicate entry'), { errno: 1062 });

test('a transaction the server aborted for timing runs again; any other error reaches the caller at once', async () => {
  let attempts = 0;
  await retryingTransient(async () => {
    if (++attempts < 3) throw deadlock;
  }, isTransientMysqlError);
  expect(attempts).toBe(3);

  attempts = 0;
  const failed = retryingTransient(async () => {
    attempts++;
    throw duplicate;
  }, isTransientMysqlError);
  await expect(failed).rejects.toThrow('Duplicate entry');
  expect(attempts).toBe(1);
});

test('a transient error that never clears is reported after a bounded number of attempts', async () => {
  let attempts = 0;
  const failed = retryingTransient(async () => {
    attempts++;
    throw deadlock;
  }, isTransientMysqlError);
  await expect(failed).rejects.toThrow('Deadlock');
  expect(attempts).toBe(8);
});
