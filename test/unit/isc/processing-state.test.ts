/** ISC's processing state on a search document: only ERROR and its stage are kept, never the message or stack trace. */
import { describe, expect, it } from 'vitest';
import { searchPage } from '../../../src/isc/schema.js';

const doc = (extra: Record<string, unknown>) => ({
  id: 'id1',
  name: 'jdoe',
  displayName: 'Jane Doe',
  attributes: { cloudLifecycleState: 'active', endDate: '2026-11-24' },
  ...extra,
});

describe('search document processing state', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    ['no processing state', {}, undefined],
    ['processingState null', { processingState: null }, undefined],
    ['processingState OK', { processingState: 'OK' }, undefined],
    [
      'ERROR with a stage',
      { processingState: 'ERROR', processingDetails: { stage: 'In Process', message: 'Jane Doe at 12 Elm St', stackTrace: 'at x' } },
      { stage: 'In Process' },
    ],
    ['ERROR without details', { processingState: 'ERROR' }, { stage: undefined }],
    [
      'ERROR with a stage that is not a plain name',
      { processingState: 'ERROR', processingDetails: { stage: '<script>' } },
      { stage: undefined },
    ],
    [
      'a processingDetails of the wrong shape does not fail the listing',
      { processingState: 'ERROR', processingDetails: 'x' },
      { stage: undefined },
    ],
  ])('%s', (_name, extra, expected) => {
    const [identity] = searchPage(new Set(['inactive'])).parse([doc(extra)]);
    expect(identity?.processingError).toEqual(expected);
    expect(JSON.stringify(identity)).not.toMatch(/Elm St|stackTrace|at x/);
  });
});
