import type { z } from 'zod';
import { plainIssueMessage } from '../parse/first-issue.js';
import { hasQueryOrFragment, httpUrl } from './schema.js';

/** The config's zod issues as one line: `path: message`, unknown keys named. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `unknown key "${path ? `${path}.` : ''}${key}"`).join('; ');
      }
      return `${path || '(top level)'}: ${plainIssueMessage(issue.message)}`;
    })
    .join('; ');
}

/** An http(s) URL without credentials in it. */
export function isHttpUrl(value: string): boolean {
  return httpUrl.safeParse(value).success;
}

/** What is wrong with a base URL given in the environment, worded to follow the variable's name; undefined when fine. */
export function baseUrlProblem(value: string): string | undefined {
  if (!isHttpUrl(value)) return 'must be an http(s) URL without credentials in it';
  if (hasQueryOrFragment(value)) return 'must carry no query ("?…") or fragment ("#…"): give the bare base URL';
  return undefined;
}
