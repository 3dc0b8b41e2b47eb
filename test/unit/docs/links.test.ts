/**
 * The documentation as a reader walks it: at most eight pages in docs/, each reachable from the
 * README, and every relative link in the README and the pages leads to a file that exists and,
 * for a `#fragment`, to a heading of that page (GitHub's anchor for it).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PAGES = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => join(ROOT, 'docs', name));
const DOCUMENTS = [join(ROOT, 'README.md'), ...PAGES];

/** Lines outside fenced code blocks. */
function prose(text: string): string[] {
  let fenced = false;
  return text.split('\n').filter((line) => {
    if (line.trimStart().startsWith('```')) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's anchors for a page's headings (lower case, punctuation dropped, spaces to dashes, repeats numbered). */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of prose(readFileSync(file, 'utf8'))) {
    const heading = /^#{1,6} (.*)$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Relative links of a document: [text](target) outside code, not to a web address. */
function links(file: string): string[] {
  const text = prose(readFileSync(file, 'utf8'))
    .join('\n')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/.test(target));
}

describe('the documentation', () => {
  it('has at most eight pages, each linked from the README', () => {
    expect(PAGES.length).toBeGreaterThan(0);
    expect(PAGES.length).toBeLessThanOrEqual(8);
    const readmeTargets = links(join(ROOT, 'README.md')).map((target) => target.split('#')[0]);
    for (const page of PAGES) expect(readmeTargets, relative(ROOT, page)).toContain(relative(ROOT, page));
  });

  it.each(DOCUMENTS.map((file) => [relative(ROOT, file), file]))('%s: every relative link resolves, anchors included', (_name, file) => {
    const broken: string[] = [];
    for (const target of links(file)) {
      const [path, fragment] = target.split('#') as [string, string | undefined];
      const resolved = path === '' ? file : join(dirname(file), decodeURIComponent(path));
      if (!existsSync(resolved)) broken.push(`${target}: no such file`);
      else if (fragment !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(fragment))
        broken.push(`${target}: no such heading`);
    }
    expect(broken).toEqual([]);
  });

  it('the link check can fail: a missing page and a missing heading are found', () => {
    const page = join(ROOT, 'docs', 'configure.md');
    expect(anchors(page).has('every-key')).toBe(true);
    expect(anchors(page).has('no-such-heading')).toBe(false);
    expect(existsSync(join(ROOT, 'docs', 'configuration.md'))).toBe(false);
  });

  it('no page refers to the contract by section number', () => {
    for (const file of DOCUMENTS) expect(readFileSync(file, 'utf8'), relative(ROOT, file)).not.toMatch(/\bspec(ification)? (section )?\d/i);
  });
});
