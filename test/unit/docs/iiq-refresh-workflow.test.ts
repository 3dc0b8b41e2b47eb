import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAKE_REFRESH_WORKFLOW } from '../../../src/sandbox/fake-iiq-workflows.js';

const xml = readFileSync(new URL('../../../docs/iiq-refresh-workflow.xml', import.meta.url), 'utf8');

describe('docs/iiq-refresh-workflow.xml', () => {
  it('is the workflow the fake IIQ knows, taking identityName and refreshing with process events on', () => {
    expect(xml).toContain(`<Workflow explicitTransitions="true" libraries="Identity" name="${FAKE_REFRESH_WORKFLOW}"`);
    expect(xml).toMatch(/<Variable input="true" name="identityName" required="true">/);
    expect(xml).toContain('<Step action="call:refreshIdentity"');
    expect(xml).toContain('<Arg name="identityName" value="ref:identityName"/>');
    expect(xml).toContain('<Arg name="processTriggers" value="true"/>');
    // Every transition names a step that exists.
    const steps = new Set([...xml.matchAll(/<Step [^>]*name="([^"]+)"/g)].map((m) => m[1]));
    for (const [, target] of xml.matchAll(/<Transition to="([^"]+)"\/>/g)) expect(steps.has(target)).toBe(true);
  });
});
