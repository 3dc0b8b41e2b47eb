/** vitest setup file: every test file's temp folders are removed after its last test, whatever its outcome. */
import { afterAll } from 'vitest';
import { removeMadeTempDirs } from './temp-dir.js';

afterAll(removeMadeTempDirs);
