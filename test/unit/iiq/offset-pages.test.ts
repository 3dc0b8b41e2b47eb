/**
 * offsetPages reading ahead hands out exactly what reading one page after another hands out, and
 * fails the same way, whatever the server does with page sizes, totals, repeats and failures.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { offsetPages } from '../../../src/iiq/parse.js';

interface Page {
  items: { id: string }[];
  total: number;
}

/** A server as an answer per offset: the same offset always gets the same answer. */
interface Server {
  ids: string[];
  /** The most items a page at an offset holds (IIQ capping the page size, differently at times). */
  capAt: Record<number, number>;
  /** Offsets answered with the first page again (a server ignoring the offset). */
  repeatAt: number[];
  /** Offsets answered with an error. */
  failAt: number[];
  /** The total announced at an offset, when it differs (items added or removed meanwhile). */
  totalAt: Record<number, number>;
}

const server = fc.record({
  ids: fc.integer({ min: 0, max: 40 }).map((n) => Array.from({ length: n }, (_, i) => `id${i}`)),
  capAt: fc.dictionary(fc.integer({ min: 0, max: 40 }).map(String), fc.integer({ min: 1, max: 9 })),
  repeatAt: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 2 }),
  failAt: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 2 }),
  totalAt: fc.dictionary(fc.integer({ min: 0, max: 40 }).map(String), fc.integer({ min: 0, max: 45 })),
}) as fc.Arbitrary<Server>;

async function read(s: Server, pageSize: number, readAhead: number): Promise<{ pages: string[][]; asked: number[] } | { error: string }> {
  const asked: number[] = [];
  const fetchPage = (received: number): Promise<Page> => {
    asked.push(received);
    if (s.failAt.includes(received)) return Promise.reject(new Error(`no page at ${received}`));
    const from = s.repeatAt.includes(received) ? 0 : received;
    const size = Math.min(pageSize, s.capAt[received] ?? pageSize);
    return Promise.resolve({ items: s.ids.slice(from, from + size).map((id) => ({ id })), total: s.totalAt[received] ?? s.ids.length });
  };
  const pages: string[][] = [];
  try {
    for await (const page of offsetPages({
      label: 'GET /test',
      fetchPage,
      itemsOf: (p) => p.items,
      totalOf: (p) => p.total,
      firstPosition: 1,
      readAhead,
    })) {
      pages.push(page.items.map((item) => item.id));
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
  return { pages, asked };
}

describe('offsetPages', () => {
  it('reading ahead hands out the same pages, and fails with the same error, as one page after another', async () => {
    await fc.assert(
      fc.asyncProperty(server, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), async (s, pageSize, readAhead) => {
        const oneByOne = await read(s, pageSize, 0);
        const ahead = await read(s, pageSize, readAhead);
        if ('error' in oneByOne) expect(ahead).toEqual(oneByOne);
        else {
          expect(ahead).toMatchObject({ pages: oneByOne.pages });
          // Every offset one page after another asks for is asked for when reading ahead too.
          for (const offset of oneByOne.asked) expect((ahead as { asked: number[] }).asked).toContain(offset);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('asks for the pages ahead before the page they follow is handed out', async () => {
    const asked: number[] = [];
    const ids = Array.from({ length: 10 }, (_, i) => ({ id: `id${i}` }));
    const pages = offsetPages({
      label: 'GET /test',
      fetchPage: (received) => {
        asked.push(received);
        return Promise.resolve({ items: ids.slice(received, received + 2), total: ids.length });
      },
      itemsOf: (p) => p.items,
      totalOf: (p) => p.total,
      firstPosition: 1,
      readAhead: 3,
    });
    const first = await pages.next();
    expect(first.value?.items.map((item: { id: string }) => item.id)).toEqual(['id0', 'id1']);
    expect(asked).toEqual([0, 2, 4, 6]);
    await pages.return(undefined);
  });
});
