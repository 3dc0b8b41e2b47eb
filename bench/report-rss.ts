/**
 * Preloaded into a measured child (`node --import …/report-rss.js`): on exit, writes the
 * process's own peak RSS (getrusage ru_maxrss, KiB on Linux) and the CPU time it used (user +
 * system: a measure the machine's load hardly moves, unlike wall time) to $BENCH_RSS_FILE.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }));
  });
}
