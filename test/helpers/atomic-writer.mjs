// Child process for the kill -9 test: rewrites the file atomically forever, printing a line after each write.
import { writeFileAtomic } from '../../dist/src/state/local-file.js';

const [path] = process.argv.slice(2);
for (let version = 0; ; version += 1) {
  const padding = 'x'.repeat(200_000 + (version % 7) * 10_000);
  await writeFileAtomic(path, JSON.stringify({ version, padding }));
  process.stdout.write(`${version}\n`);
}
