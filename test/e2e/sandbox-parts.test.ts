/** The pure parts of `sandbox`: scenario validation, the config copy, shell quoting. */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { pointConfigAtFakes, sandboxConfig, sandboxIscConfig, validateSandboxConfig } from '../../src/sandbox/sandbox-config.js';
import { parseScenario } from '../../src/sandbox/scenario-file.js';
import { toFakeIdentities } from '../../src/sandbox/fakes.js';
import { cliInvocation, shellQuote } from '../../src/sandbox/try-commands.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const FAKES = { iiq: 'http://127.0.0.1:1/identityiq', isc: 'http://127.0.0.1:3', pagerduty: 'http://127.0.0.1:2/v2/enqueue' };

describe('scenario file', () => {
  it('applies defaults and maps statuses to what the fake IIQ serves', () => {
    const scenario = parseScenario(
      {
        identities: [
          {
            id: 'i1',
            name: 'ann',
            accounts: [
              { application: 'A', status: 'enabled' },
              { application: 'B', status: 'disabled' },
              { application: 'C', status: 'unknown' },
            ],
          },
        ],
      },
      's.json',
    );
    expect(scenario[0]).toMatchObject({ displayName: 'ann', inactive: true, attributes: {} });
    const links = toFakeIdentities(scenario)[0]!.links;
    expect(links.map((l) => [l.application, l.nativeIdentity, l.disabled])).toEqual([
      ['A', 'ann', false],
      ['B', 'ann', true],
      ['C', 'ann', undefined],
    ]);
  });

  it.each([
    [{}, 'invalid scenario s.json: identities: expected array, received undefined'],
    [{ identities: [], extra: 1 }, 'unknown key "extra"'],
    [{ identities: [{ id: ' ', name: 'x' }] }, 'identities[0].id: must be a non-empty string'],
    [{ identities: [{ id: 'a', name: 'x', inactive: 'yes' }] }, 'identities[0].inactive: expected boolean'],
    [{ identities: [{ id: 'a', name: 'x', accounts: [{ status: 'enabled' }] }] }, 'identities[0].accounts[0].application: expected string'],
    [
      {
        identities: [
          { id: 'a', name: 'x' },
          { id: 'b', name: 'x' },
        ],
      },
      'identities[1].name: "x" is also the name of identities[0]',
    ],
  ])('refuses %j naming the entry and key', (raw, message) => {
    expect(() => parseScenario(raw, 's.json')).toThrow(ConfigError);
    expect(() => parseScenario(raw, 's.json')).toThrow(message);
  });

  it('the example in the repository is valid', () => {
    const example = JSON.parse(readFileSync(new URL('../../examples/scenario.example.json', import.meta.url), 'utf8'));
    expect(parseScenario(example, 'example').map((i) => i.name)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']);
  });
});

describe('config copy pointed at the fakes', () => {
  it('replaces URLs, drops the CA file and the heartbeat, moves files into the folder, copies the exceptions file', () => {
    const team = makeTempDir('watchdog-team-');
    const folder = makeTempDir('watchdog-folder-');
    writeFileSync(join(team, 'exceptions.json'), '[]');
    const raw = {
      iiq: { baseUrl: 'https://iiq/identityiq', caFile: 'ca.pem', api: 'scim' },
      pagerduty: { source: 'x' },
      metrics: { path: '/var/lib/node_exporter/textfile_collector/w.prom' },
      health: { heartbeatUrl: 'https://hc/ping' },
      exceptions: { path: './exceptions.json' },
      leaver: { terminationDateAttribute: 'endDate' },
    };
    const copy = pointConfigAtFakes(raw, FAKES, join(team, 'config.json'), folder);
    expect(copy).toEqual({
      iiq: { baseUrl: FAKES.iiq, api: 'scim' },
      pagerduty: { source: 'x', eventsUrl: FAKES.pagerduty },
      metrics: { path: './w.prom' },
      health: { heartbeatUrl: null },
      exceptions: { path: './exceptions.json' },
      leaver: { terminationDateAttribute: 'endDate' },
      state: { path: './watchdog-state.json' },
      deadLetter: { path: './dead_letter.jsonl' },
      audit: { path: './audit.jsonl' },
    });
    expect(readFileSync(join(folder, 'exceptions.json'), 'utf8')).toBe('[]');
    expect(raw.iiq.caFile).toBe('ca.pem'); // the input is not modified
  });

  it('points an isc config at the fake ISC, and refuses a config that is not an object', () => {
    const pointed = pointConfigAtFakes({ isc: { baseUrl: 'https://t.api.identitynow.com', caFile: 'ca.pem' } }, FAKES, 'c.json', '/tmp');
    expect(pointed.isc).toEqual({ baseUrl: FAKES.isc });
    expect(() => validateSandboxConfig(sandboxIscConfig(FAKES), '/tmp', 'sandbox config')).not.toThrow();
    expect(() => pointConfigAtFakes([], FAKES, 'c.json', '/tmp')).toThrow('the config must be a JSON object');
  });

  it('its own config is valid; an invalid copy names the key', () => {
    expect(() => validateSandboxConfig(sandboxConfig(FAKES), '/tmp', 'sandbox config')).not.toThrow();
    expect(() => validateSandboxConfig({ ...sandboxConfig(FAKES), slaHours: {} }, '/tmp', '--config c.json')).toThrow(
      /^--config c\.json: invalid config: slaHours: must name at least one tier/,
    );
  });
});

describe('printed commands', () => {
  it.each([
    ['/tmp/plain-path_1.json', '/tmp/plain-path_1.json'],
    ['/tmp/with space', `'/tmp/with space'`],
    ["/tmp/it's", `'/tmp/it'\\''s'`],
    ['$(rm -rf ~)', `'$(rm -rf ~)'`],
  ])('quotes %s for a POSIX shell', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
    expect(execFileSync('/bin/sh', ['-c', `printf %s ${quoted}`], { encoding: 'utf8' })).toBe(word);
  });

  it('uses the bare command name only when PATH finds this very script', () => {
    const dir = makeTempDir('watchdog-bin-');
    const script = join(dir, 'cli.js');
    writeFileSync(script, '');
    chmodSync(script, 0o755);
    expect(cliInvocation(script, '/usr/bin/node', '/nowhere')).toBe(`/usr/bin/node ${script}`);
    symlinkSync(script, join(dir, 'iiq-leaver-sla-watchdog'));
    expect(cliInvocation(script, '/usr/bin/node', `/nowhere:${dir}`)).toBe('iiq-leaver-sla-watchdog');
    expect(cliInvocation(join(dir, 'other.js'), '/opt/node 22/node', dir)).toBe(`'/opt/node 22/node' ${join(dir, 'other.js')}`);
  });
});
