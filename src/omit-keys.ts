/** A shallow copy of `record` without `keys`, key order kept. Pure. */
export function omitKeys<T extends object, K extends keyof T & string>(record: T, ...keys: readonly K[]): Omit<T, K> {
  const drop = new Set<string>(keys);
  return Object.fromEntries(Object.entries(record).filter(([key]) => !drop.has(key))) as Omit<T, K>;
}
