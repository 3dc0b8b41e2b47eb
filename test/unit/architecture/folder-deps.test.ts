/**
 * The folders of src/ depend one way. Every import of src/ (static, re-export and dynamic) is
 * read with the TypeScript pre-processor, folded into a folder graph, and checked: no cycle
 * between folders, no edge up the layer order, nothing from dev/, test/, bench/ or demo/, and
 * no IdentityIQ code inside the ISC adapter. Type-only imports count: they tie folders too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SRC = join(ROOT, 'src');

/** Root files of src/ other than cli.ts: shared leaves at the bottom. */
const ROOT_FILES = '(root files)';
const CLI = 'cli.ts';

/** Lower index = higher layer; a folder may import its own layer (without cycles) or any lower one. */
const LAYERS: readonly (readonly string[])[] = [
  [CLI],
  ['commands'],
  ['cycle', 'replay', 'report', 'sandbox', 'delivery'],
  ['state', 'pagerduty', 'source', 'iiq', 'isc'],
  ['sla', 'http', 'config', 'parse'],
  [ROOT_FILES],
];
const FORBIDDEN_OUTSIDE = ['dev', 'test', 'bench', 'demo'];

interface ImportEdge {
  file: string;
  specifier: string;
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The folder of src/ a path belongs to, or the top folder of the repository when outside src/. */
function folderOf(path: string): string {
  const inSrc = relative(SRC, path);
  if (!inSrc.startsWith('..')) {
    const parts = inSrc.split(sep);
    if (parts.length === 1) return parts[0] === CLI ? CLI : ROOT_FILES;
    return parts[0] as string;
  }
  return `../${relative(ROOT, path).split(sep)[0] ?? ''}`;
}

function importEdges(): ImportEdge[] {
  return sourceFiles(SRC).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    return importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => ({
        file: relative(ROOT, file),
        specifier,
        from: folderOf(file),
        to: folderOf(resolve(dirname(file), specifier)),
      }));
  });
}

function layerOf(folder: string): number {
  const index = LAYERS.findIndex((layer) => layer.includes(folder));
  return index;
}

/** Every elementary cycle's representative: one cycle per strongly connected group of folders. */
function folderCycles(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  for (const start of [...graph.keys()].sort()) {
    // Shortest path back to `start` (breadth first), so the printed cycle is the tightest one.
    const previous = new Map<string, string>();
    const queue = [...(graph.get(start) ?? [])].map((next) => {
      previous.set(next, start);
      return next;
    });
    let found = false;
    while (queue.length > 0) {
      const node = queue.shift() as string;
      if (node === start) {
        found = true;
        break;
      }
      for (const next of graph.get(node) ?? []) {
        if (!previous.has(next)) {
          previous.set(next, node);
          queue.push(next);
        }
      }
    }
    if (!found) continue;
    const cycle = [start];
    for (let node = previous.get(start) as string; node !== start; node = previous.get(node) as string) cycle.unshift(node);
    cycle.unshift(start);
    const key = [...cycle.slice(1)].sort().join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    cycles.push(cycle);
  }
  return cycles;
}

const describeEdge = (edge: ImportEdge): string => `${edge.from} -> ${edge.to} (${edge.file} imports '${edge.specifier}')`;

describe('folder dependencies of src/', () => {
  const edges = importEdges();
  const between = edges.filter((edge) => edge.from !== edge.to);

  it('reads imports of every kind (sanity: the parser sees static, dynamic and re-export imports)', () => {
    const found = ts.preProcessFile(
      "import a from './a.js'; export { b } from './b.js'; await import('./c.js'); import type { D } from './d.js';",
      true,
      true,
    );
    expect(found.importedFiles.map((f) => f.fileName).sort()).toEqual(['./a.js', './b.js', './c.js', './d.js']);
    expect(edges.length).toBeGreaterThan(100);
  });

  it('every folder of src/ has a layer', () => {
    const unplaced = [...new Set(edges.flatMap((edge) => [edge.from, edge.to]))].filter(
      (folder) => !folder.startsWith('../') && layerOf(folder) < 0,
    );
    expect(unplaced).toEqual([]);
  });

  it('imports nothing from dev/, test/, bench/ or demo/', () => {
    const outside = between.filter((edge) => FORBIDDEN_OUTSIDE.some((top) => edge.to === `../${top}`));
    expect(outside.map(describeEdge)).toEqual([]);
    expect(between.filter((edge) => edge.to.startsWith('../')).map(describeEdge)).toEqual([]);
  });

  it('no import goes up the layer order', () => {
    const upward = between.filter((edge) => !edge.to.startsWith('../') && layerOf(edge.to) < layerOf(edge.from));
    expect(upward.map(describeEdge)).toEqual([]);
  });

  it('no two folders depend on each other, even round about', () => {
    const graph = new Map<string, Set<string>>();
    for (const edge of between) graph.set(edge.from, (graph.get(edge.from) ?? new Set()).add(edge.to));
    const cycles = folderCycles(graph).map((cycle) => {
      const hops = cycle.slice(1).map((to, index) => {
        const from = cycle[index] as string;
        const example = between.find((edge) => edge.from === from && edge.to === to) as ImportEdge;
        return `  ${describeEdge(example)}`;
      });
      return `${cycle.join(' -> ')}\n${hops.join('\n')}`;
    });
    expect(cycles).toEqual([]);
  });

  it('config imports neither the SLA rules nor the source (they read config, not the other way)', () => {
    const configUp = between.filter((edge) => edge.from === 'config' && (edge.to === 'sla' || edge.to === 'source'));
    expect(configUp.map(describeEdge)).toEqual([]);
  });

  it('ISC code imports nothing from the IdentityIQ adapter', () => {
    const iscToIiq = between.filter((edge) => edge.from === 'isc' && edge.to === 'iiq');
    expect(iscToIiq.map(describeEdge)).toEqual([]);
  });
});
