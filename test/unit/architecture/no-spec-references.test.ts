/** Comments explain themselves: the contract is not in the repository, so no code points at its sections. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SECTION_REFERENCE = /\b[Ss]pec(?: section)? \d+(?:\.\d+)*/;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(?:ts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every line naming a section of the contract, as `file:line: text`. */
function sectionReferences(folders: readonly string[]): string[] {
  return folders.flatMap((folder) =>
    sourceFiles(join(ROOT, folder)).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => (SECTION_REFERENCE.test(line) ? [`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`] : [])),
    ),
  );
}

describe('no references to sections of the contract', () => {
  it('the pattern finds one where there is one (the check can fail)', () => {
    expect(SECTION_REFERENCE.test('// resolved only on a fresh read (sp' + 'ec 4.4)')).toBe(true);
    expect(SECTION_REFERENCE.test('// resolved only on a complete, fresh read')).toBe(false);
  });

  it('src, test, dev, bench and demo name none', () => {
    expect(sectionReferences(['src', 'test', 'dev', 'bench', 'demo'])).toEqual([]);
  });
});
