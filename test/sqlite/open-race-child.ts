// Opens the stores files[i] at start + i * step ms, as a sibling process does at the same moments; prints
// one line per open: "ok" or the error. Run by open-sqlite-store.test.ts in two processes at once.
import { openSqliteStore } from '../../src/sqlite/open-sqlite-store.js';

const [dir, start, step, count] = process.argv.slice(2);
for (let i = 0; i < Number(count); i += 1) {
  const at = Number(start) + i * Number(step);
  while (Date.now() < at) {
    // Spin: both processes must reach the open in the same millisecond.
  }
  try {
    const db = openSqliteStore(`${dir}/store-${i}.db`, {
      synchronous: 'FULL',
      prepare: (opened) => {
        opened.exec('CREATE TABLE IF NOT EXISTS t (x)');
        return opened;
      },
    });
    db.close();
    process.stdout.write('ok\n');
  } catch (error) {
    process.stdout.write(`${(error as Error).message}\n`);
  }
}
