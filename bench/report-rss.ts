/**
 * Preloaded into a measured child (`node --import …/report-rss.js`): on exit, writes the
 * process's own peak RSS (getrusage ru_maxrss, KiB on Linux) to $BENCH_RSS_FILE.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
  });
}
