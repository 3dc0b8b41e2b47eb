import type { ConfigFile } from './schema.js';

/** The one source section of a config file, told apart by `kind`. */
export type SourceSection =
  /** `section` is undefined only for a file with neither section, which parseConfig refuses before this. */
  { kind: 'iiq'; section: ConfigFile['iiq'] } | { kind: 'isc'; section: NonNullable<ConfigFile['isc']> };

/**
 * A zod transform over the parsed file: its source section as a discriminant. The file format
 * stays (an `iiq` or an `isc` section, exactly one).
 */
export function withSourceSection<T extends Pick<ConfigFile, 'iiq' | 'isc'>>(file: T): T & { sourceSection: SourceSection } {
  const sourceSection: SourceSection = file.isc ? { kind: 'isc', section: file.isc } : { kind: 'iiq', section: file.iiq };
  return { ...file, sourceSection };
}
