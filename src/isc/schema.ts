import { z } from 'zod';
import type { Account, Identity } from '../source/identity-source.js';
import { iscReadError } from './errors.js';
import { firstIssue, plainIssueMessage } from '../parse/first-issue.js';

/** The identity attribute that holds an ISC identity's lifecycle state (its technical name). */
export const LIFECYCLE_ATTRIBUTE = 'cloudLifecycleState';

const id = z.string().min(1);

/** An account inside an identity's search document: only where it lives and whether it is disabled. */
const searchAccount = z.object({
  source: z.object({ id: z.string().nullish(), name: z.string().nullish() }).nullish(),
  disabled: z.boolean().nullish(),
});

/** One identity document of `POST /v3/search` (indices: identities), as ISC sends it. */
const searchDocument = z.object({
  id,
  name: z.string().min(1),
  displayName: z.string().nullish(),
  attributes: z.record(z.string(), z.unknown()).nullish(),
  accounts: z.array(searchAccount).nullish(),
  // Read leniently: a field the watchdog only reports never fails a listing.
  processingState: z.string().nullish().catch(undefined),
  processingDetails: z.object({ stage: z.string().nullish() }).nullish().catch(undefined),
});

/** A processing stage as ISC names them (e.g. "ACCOUNT_AGGREGATION"); anything else is not copied into an event. */
const STAGE_NAME = /^[A-Za-z0-9_. -]{1,80}$/;

/** The lifecycle states that make a leaver, lower-cased: ISC's technical names are compared without regard to case. */
export type LeaverStates = ReadonlySet<string>;

/** The lifecycle state of an identity's attributes, lower-cased; undefined when it has none. */
export function lifecycleStateOf(attributes: Record<string, unknown>): string | undefined {
  const state = attributes[LIFECYCLE_ATTRIBUTE];
  return typeof state === 'string' ? state.trim().toLowerCase() : undefined;
}

/**
 * Search document → Identity. `inactive` = its lifecycle state is one of `leaverStates`; the
 * applications of accounts the document shows enabled or without status ride along as a hint.
 */
export function searchIdentity(leaverStates: LeaverStates) {
  return searchDocument.transform((doc): Identity => {
    const attributes = doc.attributes ?? {};
    const state = lifecycleStateOf(attributes);
    const identity: Identity = {
      id: doc.id,
      name: doc.name,
      displayName: doc.displayName ?? doc.name,
      inactive: state !== undefined && leaverStates.has(state),
      attributes,
    };
    if (doc.processingState?.trim().toUpperCase() === 'ERROR') {
      const stage = doc.processingDetails?.stage ?? undefined;
      identity.processingError = { stage: stage !== undefined && STAGE_NAME.test(stage) ? stage : undefined };
    }
    if (doc.accounts) {
      const open = new Set<string>();
      for (const account of doc.accounts) {
        if (account.disabled !== true) open.add(account.source?.name ?? account.source?.id ?? '(no source name)');
      }
      identity.listedNotDisabledApplications = [...open];
    }
    return identity;
  });
}

/** A `POST /v3/search` answer: a bare JSON array of documents. */
export function searchPage(leaverStates: LeaverStates) {
  return z.array(searchIdentity(leaverStates));
}

/** An account of `GET /v3/accounts`, as the ISC adapter keeps it. */
export interface IscAccount extends Account {
  id: string;
  /** The owning identity; undefined when ISC leaves it out. */
  identityId: string | undefined;
}

/**
 * `GET /v3/accounts` item → IscAccount. `disabled: true` is disabled, `false` enabled, absent
 * unknown (never taken as disabled). The application is `sourceName` (its id if no name).
 */
export const iscAccount = z
  .object({
    id,
    sourceName: z.string().min(1).nullish(),
    sourceId: z.string().min(1).nullish(),
    identityId: z.string().nullish(),
    disabled: z.boolean().nullish(),
  })
  .refine((account) => Boolean(account.sourceName ?? account.sourceId), 'has neither sourceName nor sourceId')
  .transform((raw): IscAccount => ({
    id: raw.id,
    identityId: raw.identityId ?? undefined,
    application: (raw.sourceName ?? raw.sourceId) as string,
    status: raw.disabled === true ? 'disabled' : raw.disabled === false ? 'enabled' : 'unknown',
  }));

/** A `GET /v3/accounts` page: a bare JSON array. */
export const accountPage = z.array(iscAccount);

/** Parses an ISC answer with its schema; a mismatch is a failed read that names the field. */
export function parseIscAnswer<S extends z.ZodType>(schema: S, body: unknown, label: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const { field, message } = firstIssue(parsed.error, '(body)');
  throw iscReadError(`ISC ${label} answered an unexpected shape: ${field}: ${plainIssueMessage(message)}`);
}
