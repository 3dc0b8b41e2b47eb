/** SCIM TaskResults as IIQ 8.x sends them: parsed at the edge into status and instants, never messages. */
import { describe, expect, it } from 'vitest';
import { scimTaskResultPage } from '../../../../src/iiq/scim/task-result-schema.js';

const finished = {
  schemas: ['urn:ietf:params:scim:schemas:sailpoint:1.0:TaskResult'],
  id: '0a0b0c0d0e0f10111213141516171819',
  name: 'Refresh Identity Cube',
  type: 'Identity',
  taskDefinition: 'Refresh Identity Cube',
  launcher: 'spadmin',
  host: 'iiq-app-01',
  launched: '2026-11-21T01:00:00.120-05:00',
  completed: '2026-11-21T01:42:13.907-05:00',
  completionStatus: 'Error',
  terminated: false,
  pendingSignoffs: 0,
  messages: [{ type: 'Error', localizedMessage: 'Identity jdoe: CN=Jane Doe' }],
  attributes: [{ key: 'total', value: '512' }],
  meta: { resourceType: 'TaskResult', location: 'https://iiq.example.com/identityiq/scim/v2/TaskResults/0a0b0c0d0e0f10111213141516171819' },
};
const running = { ...finished, id: 'r1', name: 'Refresh Identity Cube - 1', completed: undefined, completionStatus: undefined };
const page = (resources: object[]) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
  totalResults: resources.length,
  startIndex: 1,
  Resources: resources,
});

describe('scimTaskResultPage', () => {
  it('reads name, status and instants (offsets honoured); a running result has neither status nor completion', () => {
    const parsed = scimTaskResultPage.parse(page([finished, JSON.parse(JSON.stringify(running))]));
    expect(parsed.Resources).toEqual([
      {
        id: finished.id,
        name: 'Refresh Identity Cube',
        completionStatus: 'Error',
        launchedMs: Date.parse('2026-11-21T06:00:00.120Z'),
        completedMs: Date.parse('2026-11-21T06:42:13.907Z'),
      },
      {
        id: 'r1',
        name: 'Refresh Identity Cube - 1',
        completionStatus: undefined,
        launchedMs: Date.parse('2026-11-21T06:00:00.120Z'),
        completedMs: undefined,
      },
    ]);
    expect(JSON.stringify(parsed)).not.toContain('Jane');
  });

  it('an unknown status reads as "other"; a date that is no instant is a shape error', () => {
    expect(scimTaskResultPage.parse(page([{ ...finished, completionStatus: 'Cancelled' }])).Resources[0]?.completionStatus).toBe('other');
    expect(scimTaskResultPage.safeParse(page([{ ...finished, completed: 'yesterday' }])).success).toBe(false);
  });
});
