/**
 * docs/schedulers: the Task Scheduler XML validates against Microsoft's task schema (a hand-made
 * fragment of it, test/fixtures/task-scheduler-schema-fragment.xsd, checked with xmllint when the
 * machine has it), also as register-task.ps1 fills it for a gMSA; the script never writes a
 * logon type the schema does not have.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEDULE_NODE_FLAGS } from '../../../src/memory-posture.js';

const root = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const TEMPLATE = readFileSync(root('docs/schedulers/iiq-leaver-sla-watchdog.xml'), 'utf8');
const SCRIPT = readFileSync(root('docs/schedulers/register-task.ps1'), 'utf8');
const XSD = root('test/fixtures/task-scheduler-schema-fragment.xsd');
const HAS_XMLLINT = spawnSync('xmllint', ['--version']).status === 0;

const dir = mkdtempSync(join(tmpdir(), 'watchdog-schedulers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** xmllint's verdict on one task XML: null when valid, else its complaint. */
function schemaErrors(xml: string): string | null {
  const file = join(dir, `task-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  const result = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return result.status === 0 ? null : result.stderr;
}

/** The XML as register-task.ps1 registers it for `user` (the same UserId replacement the script makes). */
function asRegisteredFor(user: string): string {
  expect(SCRIPT).toContain(
    `$xml = $xml.Replace('<UserId>CORP\\svc-leaver-watchdog</UserId>', "<UserId>$(ConvertTo-XmlText $User)</UserId>")`,
  );
  return TEMPLATE.replace('<UserId>CORP\\svc-leaver-watchdog</UserId>', `<UserId>${user}</UserId>`);
}

/** The names of an element's children, in order. */
function childNames(xml: string, element: string): string[] {
  const body = new RegExp(`<${element}>([\\s\\S]*?)</${element}>`).exec(xml)?.[1] ?? '';
  const names: string[] = [];
  let depth = 0;
  for (const tag of body.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)([A-Za-z]+)[^>]*?(\/?)>/g)) {
    if (tag[1]) depth -= 1;
    else {
      if (depth === 0) names.push(tag[2]!);
      if (!tag[3]) depth += 1;
    }
  }
  return names;
}

describe('Task Scheduler XML', () => {
  it('the trigger children follow the schema sequence (Enabled, StartBoundary, EndBoundary, Repetition, ExecutionTimeLimit, RandomDelay)', () => {
    const sequence = ['Enabled', 'StartBoundary', 'EndBoundary', 'Repetition', 'ExecutionTimeLimit', 'RandomDelay'];
    const children = childNames(TEMPLATE, 'TimeTrigger');
    expect(children.length).toBeGreaterThan(1);
    expect(children.map((name) => sequence.indexOf(name))).toEqual(
      [...children.map((name) => sequence.indexOf(name))].sort((a, b) => a - b),
    );
    expect(children.every((name) => sequence.includes(name))).toBe(true);
  });

  it('register-task.ps1 writes only logon types the schema has (Password for a gMSA, never ServiceAccount)', () => {
    expect(SCRIPT).not.toMatch(/<LogonType>(?!Password<)/);
    expect(SCRIPT).not.toMatch(/-LogonType\s+(?!Password\b)/);
    expect(SCRIPT).not.toMatch(/Replace\('<LogonType>/);
    expect([...TEMPLATE.matchAll(/<LogonType>(\w+)<\/LogonType>/g)].map((m) => m[1])).toEqual(['Password']);
  });

  it('declares the task version the schema fixes (1.3), read from the schema fragment itself', () => {
    const fixed = /<xs:attribute name="version"[^>]*\bfixed="([^"]+)"/.exec(readFileSync(XSD, 'utf8'))?.[1];
    expect(fixed).toBe('1.3');
    expect(/<Task\b[^>]*\bversion="([^"]+)"/.exec(TEMPLATE)?.[1]).toBe(fixed);
  });

  it.skipIf(!HAS_XMLLINT)('validates against the schema fragment, as shipped and as registered for an account or a gMSA', () => {
    expect(schemaErrors(TEMPLATE)).toBeNull();
    expect(schemaErrors(asRegisteredFor('CORP\\svc-leaver-watchdog'))).toBeNull();
    expect(schemaErrors(asRegisteredFor('CORP\\gmsa-leaverwd$'))).toBeNull();
  });

  it.skipIf(!HAS_XMLLINT)('the schema check can fail: Enabled after StartBoundary, or LogonType ServiceAccount, is refused', () => {
    const enabledLate = TEMPLATE.replace(/(\s*<Enabled>true<\/Enabled>)(\s*<StartBoundary>[^<]*<\/StartBoundary>)/, '$2$1');
    expect(enabledLate).not.toBe(TEMPLATE);
    expect(schemaErrors(enabledLate)).toMatch(/Enabled.*not expected/);
    expect(schemaErrors(TEMPLATE.replace('<LogonType>Password</LogonType>', '<LogonType>ServiceAccount</LogonType>'))).toMatch(/LogonType/);
    expect(schemaErrors(TEMPLATE.replace('<Task version="1.3"', '<Task version="1.4"'))).toMatch(/version/);
  });
});

describe('how the schedules start Node', () => {
  it('every shipped and documented schedule gives node the flags V8 reads only at start-up (SCHEDULE_NODE_FLAGS)', () => {
    const service = readFileSync(root('docs/schedulers/iiq-leaver-sla-watchdog.service'), 'utf8');
    const guide = readFileSync(root('docs/install-and-schedule.md'), 'utf8');
    // Every line that starts the CLI for a schedule: ExecStart, the cron lines, the Task Scheduler action.
    const starts = [service, TEMPLATE, guide]
      .flatMap((text) => text.split('\n'))
      .filter((line) => /(\/usr\/bin\/node|node\.exe")\s.*cli\.js"? run\b/.test(line));
    expect(starts.length).toBeGreaterThanOrEqual(8); // the service, the XML, and 2 × (cron, ExecStart, Task Scheduler) in the guide
    for (const line of starts) {
      for (const flag of SCHEDULE_NODE_FLAGS) expect(line, line).toMatch(new RegExp(`(node|node\\.exe") ${flag}\\s`));
    }
  });
});
