/** Scenario files may declare IIQ task results for the fake IIQ's /scim/v2/TaskResults. */
import { describe, expect, it } from 'vitest';
import { parseScenario, parseScenarioTaskResults } from '../../../src/sandbox/scenario-file.js';
import { ConfigError } from '../../../src/errors.js';

const identities = [{ id: 'id1', name: 'jdoe' }];

describe('scenario taskResults', () => {
  it('are optional, and get an id when none is given', () => {
    expect(parseScenarioTaskResults({ identities }, 's.json')).toEqual([]);
    expect(parseScenario({ identities }, 's.json')).toHaveLength(1);
    expect(
      parseScenarioTaskResults(
        {
          identities,
          taskResults: [
            {
              name: 'Refresh Identity Cube',
              launched: '2026-11-21T01:00:00.120-05:00',
              completed: '2026-11-21T01:42:13.907-05:00',
              completionStatus: 'Error',
            },
            { name: 'Refresh Identity Cube - 1', launched: '2026-11-22T01:00:00Z' },
          ],
        },
        's.json',
      ),
    ).toEqual([
      {
        id: 'task-result-1',
        name: 'Refresh Identity Cube',
        launched: '2026-11-21T01:00:00.120-05:00',
        completed: '2026-11-21T01:42:13.907-05:00',
        completionStatus: 'Error',
      },
      { id: 'task-result-2', name: 'Refresh Identity Cube - 1', launched: '2026-11-22T01:00:00Z' },
    ]);
  });

  it.each([
    [
      { name: 'Refresh Identity Cube', launched: '2026-11-21 01:00' },
      'taskResults[0].launched: must be an ISO 8601 date-time with an offset',
    ],
    [{ name: 'Refresh Identity Cube', launched: '2026-11-21T01:00:00Z', completionStatus: 'Done' }, 'taskResults[0].completionStatus'],
    [{ name: '', launched: '2026-11-21T01:00:00Z' }, 'taskResults[0].name'],
  ])('%j is exit 2 naming the entry', (result, message) => {
    expect(() => parseScenarioTaskResults({ identities, taskResults: [result] }, 's.json')).toThrow(ConfigError);
    expect(() => parseScenarioTaskResults({ identities, taskResults: [result] }, 's.json')).toThrow(message);
  });
});
