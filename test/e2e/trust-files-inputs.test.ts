/**
 * Local files and operator inputs, through the built CLI on loopback: a FIFO, device or folder
 * where a file goes is refused at once (never waited on); every file created is 0600 whatever the
 * umask; over-long audit and dead-letter lines are skipped with their line number; CSV cells a
 * spreadsheet would run are neutralised; an event of thousands of unknown-status applications
 * fits; UTF-16 configs, base URLs with a query and proxies without a scheme are exit 2.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePopulation, startFakeIiq, type FakeIdentity, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV } from '../../src/sandbox/scenario.js';
import { CLI_PATH, outputOf, runCli, writeDemoConfig, type CliResult } from '../../dev/run-cli.js';
import { NOW, at } from '../helpers/clock.js';
import { jsonLinesSkippingText, summaryOf } from '../helpers/cli-logs.js';
import { makeTempDir } from '../helpers/temp-dir.js';

let iiq: FakeIiq | undefined;
let pagerDuty: FakePagerDuty | undefined;
afterEach(async () => {
  await Promise.all([iiq?.close(), pagerDuty?.close()]);
  iiq = pagerDuty = undefined;
});

const logsOf = jsonLinesSkippingText;
const fatalOf = (stderr: string) => logsOf(stderr).filter((line) => line.level === 'fatal');
const isPosix = process.platform !== 'win32';

async function fakes(identities?: FakeIdentity[]) {
  iiq = await startFakeIiq({
    identities: identities ?? generatePopulation({ count: 2, accountsPerIdentity: 2, breachingFraction: 1, now: NOW }),
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
  });
  pagerDuty = await startFakePagerDuty();
  return { iiq, pd: pagerDuty };
}

function configIn(dir: string, overrides: Record<string, unknown> = {}): string {
  return writeDemoConfig(
    dir,
    { iiq: iiq?.url ?? 'http://127.0.0.1:9/identityiq', pagerDuty: pagerDuty?.url ?? 'http://127.0.0.1:9/v2/enqueue' },
    overrides,
  );
}

function run(dir: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['run', '--config', join(dir, 'config.json'), '--now', at(0), ...args], { cwd: dir, env: { ...DEMO_ENV, ...env } });
}

/** The built CLI under `umask 000` (a shell sets it; node cannot for a child). */
function runWithUmask000(args: readonly string[], cwd: string): Promise<CliResult> {
  return outputOf(
    spawn('/bin/sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, CLI_PATH, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...DEMO_ENV },
    }),
  );
}

describe.skipIf(!isPosix)('a FIFO, device or folder where a file goes: refused at once, naming the path', () => {
  it.each([
    [
      'state file',
      'watchdog-state.json',
      /^cannot read the state file .*watchdog-state\.json: it is a FIFO \(named pipe\), not a regular file/,
    ],
    ['journal', 'watchdog-state.json.journal', /^cannot read the journal .*watchdog-state\.json\.journal: it is a FIFO/],
    ['run lock', 'watchdog-state.json.lock', /^cannot create the run lock .*watchdog-state\.json\.lock: it is a FIFO/],
  ])('a FIFO at the %s: exit 5, nothing sent', async (_what, name, message) => {
    const dir = makeTempDir('watchdog-fifo-');
    const { pd } = await fakes();
    configIn(dir);
    execFileSync('mkfifo', [join(dir, name)]);
    const result = await run(dir);
    expect(result.code).toBe(5);
    expect(fatalOf(result.stderr).map((line) => line.msg)).toEqual([expect.stringMatching(message)]);
    expect(pd.received).toEqual([]);
  });

  it('a state path that is a symbolic link to /dev/zero, or a folder: exit 5 naming it, nothing sent', async () => {
    const dir = makeTempDir('watchdog-device-');
    const { pd } = await fakes();
    configIn(dir);
    symlinkSync('/dev/zero', join(dir, 'watchdog-state.json'));
    const zero = await run(dir);
    expect(zero.code).toBe(5);
    expect(fatalOf(zero.stderr)[0]?.msg).toMatch(/watchdog-state\.json: it is a character device, not a regular file/);

    const other = makeTempDir('watchdog-folder-');
    configIn(other);
    mkdirSync(join(other, 'watchdog-state.json'));
    const folder = await run(other);
    expect(folder.code).toBe(5);
    expect(fatalOf(folder.stderr)[0]?.msg).toMatch(/watchdog-state\.json: it is a folder, not a regular file/);
    expect(pd.received).toEqual([]);
  });

  it('a FIFO at the audit log (its forwarder is down): the run does not block; logged, the events kept in the state and on stderr', async () => {
    const dir = makeTempDir('watchdog-audit-fifo-');
    const { pd } = await fakes();
    configIn(dir);
    execFileSync('mkfifo', [join(dir, 'audit.jsonl')]);
    const result = await run(dir);
    expect(result.code).toBe(0);
    expect(pd.accepted().length).toBe(2);
    const failures = logsOf(result.stderr).filter((line) => line.msg === 'audit log could not be written');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ path: join(dir, 'audit.jsonl'), record: { event_action: 'trigger' } });
    expect(failures[0]?.error).toMatch(/FIFO/);
    expect(Object.keys(JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')).incidents)).toHaveLength(2);
  });

  it('a FIFO at the dead-letter file: the undeliverable event goes to stderr, exit 1', async () => {
    const dir = makeTempDir('watchdog-dl-fifo-');
    await fakes();
    configIn(dir, {
      pagerduty: { eventsUrl: 'http://127.0.0.1:9/v2/enqueue', source: 'x', retries: 0, retryMinDelayMs: 10, maxEventsPerMinute: 600 },
    });
    execFileSync('mkfifo', [join(dir, 'dead_letter.jsonl')]);
    const result = await run(dir);
    expect(result.code).toBe(1);
    expect(logsOf(result.stderr).filter((line) => String(line.msg).startsWith('dead-letter file could not be written'))).toHaveLength(2);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('{"deadLetter":'))).toHaveLength(2);
  });
});

describe.skipIf(!isPosix)('files created are 0600 whatever the umask', () => {
  it('state, audit, metrics and the report file under umask 000', async () => {
    const dir = makeTempDir('watchdog-umask-');
    await fakes();
    const config = configIn(dir, { metrics: { path: './metrics.prom' } });
    const result = await runWithUmask000(['run', '--config', config, '--now', at(0)], dir);
    expect(result.code).toBe(0);
    const report = await runWithUmask000(['report', '--config', config, '--format', 'csv', '--output', join(dir, 'report.csv')], dir);
    expect(report.code).toBe(0);
    for (const name of ['watchdog-state.json', 'audit.jsonl', 'metrics.prom', 'report.csv']) {
      expect([name, statSync(join(dir, name)).mode & 0o777]).toEqual([name, 0o600]);
    }
  });
});

describe('over-long and torn lines in the audit log and the dead-letter file', () => {
  const trigger = (key: string, application: string) =>
    JSON.stringify({
      sent_at: '2026-11-24T12:00:00.000Z',
      event_action: 'trigger',
      reason: 'first breach',
      dedup_key: key,
      identity_id: key,
      identity_name: key,
      tier: 'standard',
      termination_date: '2026-11-24T00:00:00.000Z',
      sla_hours: 8,
      sla_deadline: '2026-11-24T08:00:00.000Z',
      active_applications: [application],
      active_account_count: 1,
    });

  it('report skips a 3 MB line and a torn one with warnings naming their line numbers, and reports the rest', async () => {
    const dir = makeTempDir('watchdog-longline-');
    configIn(dir);
    const huge = `{"event_action":"trigger","reason":"${'x'.repeat(3 * 1024 * 1024)}"}`;
    writeFileSync(
      join(dir, 'audit.jsonl'),
      [trigger('iiq-leaver-sla-a', 'Salesforce'), huge, '{"event_action":"trig', trigger('iiq-leaver-sla-b', 'Workday'), ''].join('\n'),
    );
    const result = await runCli(['report', '--config', join(dir, 'config.json'), '--format', 'json'], { cwd: dir, env: {} });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).overall.breaches).toBe(2);
    const warning = logsOf(result.stderr).find((line) => String(line.msg).startsWith('audit lines could not be read'));
    expect(warning?.lines).toEqual([
      { line: 2, reason: expect.stringMatching(/^line over 1048576 bytes/) },
      { line: 3, reason: expect.any(String) },
    ]);
    expect(result.stderr).not.toMatch(/RangeError|at .*\.js:\d+/);
  });

  it('replay keeps a 3 MB dead-letter line byte for byte, names it, and delivers the others', async () => {
    const dir = makeTempDir('watchdog-longletter-');
    const { pd } = await fakes();
    configIn(dir);
    const letter = (key: string) =>
      JSON.stringify({
        failedAt: '2026-11-24T12:00:00.000Z',
        attempts: 4,
        error: 'HTTP 500',
        event: { event_action: 'resolve', dedup_key: key },
      });
    const huge = `{"failedAt":"${'y'.repeat(3 * 1024 * 1024)}"}`;
    writeFileSync(join(dir, 'dead_letter.jsonl'), `${letter('iiq-leaver-sla-one')}\n${huge}\n${letter('iiq-leaver-sla-two')}\n`);
    const result = await runCli(['replay', '--config', join(dir, 'config.json')], { cwd: dir, env: { ...DEMO_ENV } });
    expect(result.code).toBe(1);
    expect(pd.accepted().map((event) => event.dedup_key)).toEqual(['iiq-leaver-sla-one', 'iiq-leaver-sla-two']);
    expect(readFileSync(join(dir, 'dead_letter.jsonl'), 'utf8')).toBe(`${huge}\n`);
    const kept = logsOf(result.stderr).find((line) => String(line.msg).startsWith('dead-letter line kept: unparseable'));
    expect(kept).toMatchObject({ line: 2, reason: expect.stringMatching(/line over 1048576 bytes/) });
  });

  it('report --format csv neutralises every cell a spreadsheet would run', async () => {
    const dir = makeTempDir('watchdog-csv-');
    configIn(dir);
    const hostile = ['=HYPERLINK("http://evil")', '+1+1', '-2+3', '-5', '@SUM(A1)', '\tTab', '\rReturn'];
    writeFileSync(join(dir, 'audit.jsonl'), `${hostile.map((app, i) => trigger(`iiq-leaver-sla-${i}`, app)).join('\n')}\n`);
    const result = await runCli(['report', '--config', join(dir, 'config.json'), '--format', 'csv'], { cwd: dir, env: {} });
    expect(result.code).toBe(0);
    const cells = result.stdout
      .split('\r\n')
      .filter((row) => row.startsWith('application,'))
      .map((row) => row.slice('application,'.length));
    expect(cells.sort()).toEqual(
      ['"\'=HYPERLINK(""http://evil"")",1', "'+1+1,1", "'-2+3,1", "'-5,1", "'@SUM(A1),1", "'\tTab,1", '"\'\rReturn",1']
        .sort()
        .map((c) => `${c},,,,,,`),
    );
  });
});

describe('an event of thousands of unknown-status applications fits PagerDuty', () => {
  it('6,000 accounts of unknown status: delivered (every list cut, counts kept), not dead-lettered', async () => {
    const dir = makeTempDir('watchdog-fit-');
    const links = Array.from({ length: 6_000 }, (_, i) => ({
      id: `link-${i}`,
      application: `Application ${String(i).padStart(5, '0')} ${'long-name-'.repeat(8)}`,
      nativeIdentity: `acct-${i}`,
      displayName: 'Lee Leaver',
    }));
    const { pd } = await fakes([
      {
        id: 'leaver-6000',
        name: 'lleaver',
        displayName: 'Lee Leaver',
        inactive: true,
        attributes: { hrTerminationDate: new Date(NOW.getTime() - 20 * 3_600_000).toISOString(), risk_tier: 'standard' },
        links,
      },
    ]);
    configIn(dir);
    const result = await run(dir);
    expect(result.code).toBe(0);
    const [event] = pd.accepted();
    expect(event.payload.custom_details).toMatchObject({ unknown_status_account_count: 6_000 });
    const details = event.payload.custom_details as Record<string, unknown>;
    expect((details.unknown_status_applications as string[]).length + (details.unknown_status_applications_omitted as number)).toBe(6_000);
    expect(summaryOf(result.stderr).deadLettered).toBe(0);
  });
});

describe('operator inputs refused before anything is contacted (exit 2)', () => {
  const configError = (result: CliResult) => fatalOf(result.stderr)[0]?.msg ?? '';

  it.each([
    [
      'UTF-16 LE with its mark',
      (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      /is UTF-16 \(little-endian\); save it as UTF-8$/,
    ],
    [
      'UTF-16 BE with its mark',
      (text: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]),
      /is UTF-16 \(big-endian\); save it as UTF-8$/,
    ],
    ['UTF-16 LE without a mark', (text: string) => Buffer.from(text, 'utf16le'), /is UTF-16 \(little-endian\); save it as UTF-8$/],
    ['NUL bytes', (text: string) => Buffer.from(`${text}\0\0`), /has NUL bytes \(the first at byte \d+\)/],
  ])('a config file in %s: exit 2 naming the file and its encoding', async (_what, encode, message) => {
    const dir = makeTempDir('watchdog-encoding-');
    const config = configIn(dir);
    writeFileSync(config, encode(readFileSync(config, 'utf8')));
    const result = await runCli(['report', '--config', config], { cwd: dir, env: {} });
    expect(result.code).toBe(2);
    expect(configError(result)).toMatch(new RegExp(`^config file ${config.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} `));
    expect(configError(result)).toMatch(message);
  });

  it('a UTF-8 byte-order mark is fine; an exceptions file in UTF-16 is exit 2 naming it', async () => {
    const dir = makeTempDir('watchdog-bom-');
    const config = configIn(dir, { exceptions: { path: './exceptions.json' } });
    writeFileSync(config, `\uFEFF${readFileSync(config, 'utf8')}`);
    writeFileSync(join(dir, 'exceptions.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[]', 'utf16le')]));
    expect((await runCli(['report', '--config', config], { cwd: dir, env: {} })).code).toBe(0);
    const result = await run(dir);
    expect(result.code).toBe(2);
    expect(configError(result)).toMatch(
      /exceptions file .*exceptions\.json \(exceptions\.path\) is UTF-16 \(little-endian\); save it as UTF-8/,
    );
  });

  it.skipIf(!isPosix)('a FIFO as the exceptions file or the config: exit 2 at once, never blocked on (no writer ever comes)', async () => {
    const dir = makeTempDir('watchdog-config-fifo-');
    configIn(dir, { exceptions: { path: './exceptions.json' } });
    execFileSync('mkfifo', [join(dir, 'exceptions.json'), join(dir, 'fifo-config.json')]);
    const exceptions = await run(dir);
    expect(exceptions.code).toBe(2);
    expect(configError(exceptions)).toMatch(/exceptions file .*exceptions\.json \(exceptions\.path\) is not a regular file \(a pipe/);
    const fifo = await runCli(['report', '--config', join(dir, 'fifo-config.json')], { cwd: dir, env: {} });
    expect(fifo.code).toBe(2);
    expect(configError(fifo)).toMatch(/config file .*fifo-config\.json is not a regular file/);
  });

  it.each([
    [
      'iiq.baseUrl with a query and fragment',
      { iiq: { baseUrl: 'https://iiq.example.com/identityiq?x=1#top' } },
      {},
      /iiq\.baseUrl: must carry no query/,
    ],
    [
      'pagerduty.eventsUrl with a query',
      { pagerduty: { eventsUrl: 'https://events.pagerduty.com/v2/enqueue?debug=1' } },
      {},
      /pagerduty\.eventsUrl: must carry no query/,
    ],
    [
      'health.heartbeatUrl with a fragment',
      { health: { heartbeatUrl: 'https://hc.example.com/ping#x' } },
      {},
      /health\.heartbeatUrl: must carry no fragment/,
    ],
    ['IIQ_BASE_URL with a fragment', {}, { IIQ_BASE_URL: 'https://iiq.example.com/identityiq#x' }, /IIQ_BASE_URL must carry no query/],
    [
      'PAGERDUTY_EVENTS_URL with a query',
      {},
      { PAGERDUTY_EVENTS_URL: 'https://events.pagerduty.com/v2/enqueue?' },
      /PAGERDUTY_EVENTS_URL must carry no query/,
    ],
    [
      'HTTPS_PROXY without a scheme',
      {},
      { HTTPS_PROXY: 'proxy.corp.example:3128' },
      /HTTPS_PROXY has no scheme: write the proxy as an http:\/\/ or https:\/\/ URL/,
    ],
    ['https_proxy without a scheme', {}, { https_proxy: 'proxy.corp.example:3128' }, /https_proxy has no scheme/],
    ['HTTP_PROXY with a socks scheme', {}, { HTTP_PROXY: 'socks5://proxy.corp.example:1080' }, /HTTP_PROXY uses the scheme "socks5"/],
    ['NO_PROXY with a scheme', {}, { NO_PROXY: 'localhost,https://iiq.corp.example' }, /NO_PROXY lists "https:\/\/iiq\.corp\.example"/],
  ])('%s: exit 2 naming it, no stack', async (_what, overrides, env, message) => {
    const dir = makeTempDir('watchdog-url-');
    const base = JSON.parse(readFileSync(configIn(dir), 'utf8')) as Record<string, Record<string, unknown>>;
    const isObject = (value: unknown): value is Record<string, unknown> =>
      typeof value === 'object' && value !== null && !Array.isArray(value);
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(overrides)) merged[key] = isObject(base[key]) ? { ...base[key], ...value } : value;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(merged));
    const result = await run(dir, [], env);
    expect(result.code).toBe(2);
    expect(configError(result)).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'watchdog-state.json'))).toBe(false);
  });

  it('a heartbeat URL may carry a query (push monitors need one)', async () => {
    const dir = makeTempDir('watchdog-heartbeat-');
    const config = configIn(dir, { health: { heartbeatUrl: 'https://status.example.com/api/push/abc?status=up&msg=OK' } });
    expect((await runCli(['report', '--config', config], { cwd: dir, env: {} })).code).toBe(0);
  });
});
