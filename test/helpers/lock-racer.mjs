// Child process for the cross-process lock race: says "ready", waits for "go" on stdin, then tries
// the built run lock and says "won" (holding it until stdin closes) or "refused".
import { acquireRunLock } from '../../dist/src/state/run-lock.js';

const [lockPath] = process.argv.slice(2);
process.stdin.once('data', async () => {
  try {
    const lock = await acquireRunLock(lockPath);
    process.stdout.write('won\n');
    process.stdin.once('end', () => void lock.release().then(() => process.exit(0)));
    process.stdin.resume();
  } catch (error) {
    process.stdout.write(`refused ${error.name}\n`);
    process.exit(4);
  }
});
process.stdout.write('ready\n');
