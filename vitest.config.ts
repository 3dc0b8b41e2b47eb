import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// vitest's default is one worker less than the cores: a single worker on a 2-core machine, so
// every wait of an end-to-end file (a child CLI starting, a fake answering, a paced delivery)
// held up the whole run. Test files mostly wait on child processes and sockets, so one worker
// more than the cores keeps both busy; forks (not threads) because the CLI code under test reads
// the umask and process-wide state.
const workers = Math.max(2, availableParallelism() + 1);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/private-tmpdir.ts'],
    pool: 'forks',
    maxWorkers: workers,
    // Generous for a loaded CI machine (several CLI children per test), yet a hung test still fails.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
