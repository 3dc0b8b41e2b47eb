import type { z } from 'zod';

/** The first issue of a failed parse: the dotted path of our schema's keys (or `topLevel`) and its message. */
export function firstIssue(error: z.ZodError, topLevel = '(top level)'): { field: string; message: string } {
  const issue = error.issues[0];
  return { field: issue?.path.length ? issue.path.map(String).join('.') : topLevel, message: issue?.message ?? 'invalid' };
}

/** zod's message without its generic "Invalid input: " lead, for one-line errors. */
export function plainIssueMessage(message: string): string {
  return message.replace(/^Invalid input: /, '');
}
