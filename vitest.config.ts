import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// vitest's default is one worker less than the cores: a single worker on a 2-core machine, so
// every wait of an end-to-end file (a child CLI starting, a fake answering, a paced delivery)
// held up the whole run. Test files mostly wait on child processes and sockets, so one worker
// more than the cores keeps both busy; forks (not threads) because the CLI code under test reads
// the umask and process-wide state.
const workers = Math.max(2, availableParallelism() + 1);

/** The one test that needs modules loaded afresh: it checks what importing each module of src/ does. */
const FRESH_MODULES = ['test/unit/architecture/import-side-effects.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/private-tmpdir.ts'],
    // Removes each test file's temp folders after its last test (a setup file runs for every file).
    setupFiles: ['test/helpers/temp-dir-cleanup.ts'],
    pool: 'forks',
    maxWorkers: workers,
    // Generous for a loaded CI machine (several CLI children per test), yet a hung test still fails.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...FRESH_MODULES],
          // A worker keeps the modules it loaded from one test file to the next instead of
          // evaluating src/, undici, zod and msw afresh for each file. The tests leave no module
          // state behind: no module mocks or fake timers, no process.env, umask or working-folder
          // change that outlives a test; each file starts its own servers and closes them.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'fresh', include: FRESH_MODULES } },
    ],
  },
});
