import type { Account } from '../../source/identity-source.js';

const STATUSES: readonly Account['status'][] = ['enabled', 'disabled', 'unknown'];

/**
 * Every account of a bulk read, grouped by identity id, kept small: an account is one number
 * (application index × 3 + status), application names are stored once.
 */
export class AccountIndex {
  readonly #applications: string[] = [];
  readonly #applicationIndex = new Map<string, number>();
  readonly #byIdentity = new Map<string, number[]>();
  #size = 0;

  /** Adds one account of an identity. */
  add(identityId: string, account: Account): void {
    let app = this.#applicationIndex.get(account.application);
    if (app === undefined) {
      app = this.#applications.push(account.application) - 1;
      this.#applicationIndex.set(account.application, app);
    }
    const code = app * 3 + STATUSES.indexOf(account.status);
    const list = this.#byIdentity.get(identityId);
    if (list) list.push(code);
    else this.#byIdentity.set(identityId, [code]);
    this.#size += 1;
  }

  /** The accounts of an identity (none when it has none). */
  accountsOf(identityId: string): Account[] {
    return (this.#byIdentity.get(identityId) ?? []).map((code) => ({
      application: this.#applications[Math.floor(code / 3)] as string,
      status: STATUSES[code % 3] as Account['status'],
    }));
  }

  /** Accounts indexed. */
  get size(): number {
    return this.#size;
  }

  /** Identities with at least one account. */
  get identityCount(): number {
    return this.#byIdentity.size;
  }
}
