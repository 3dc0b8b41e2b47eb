import type { SourceAdapters } from '../source/create-source.js';
import type { SourceConfig } from '../config/config.js';

/**
 * The source builders for a config, loaded on demand: a cycle against IdentityIQ (REST or SCIM)
 * never loads the Identity Security Cloud adapter, nor the other way round. The builder of the
 * other kind is never called (createSource picks by the same kind).
 */
export async function loadSourceAdapters(kind: SourceConfig['kind']): Promise<SourceAdapters> {
  const otherKind = (): never => {
    throw new Error(`only the ${kind} source adapter is loaded`);
  };
  if (kind === 'isc') {
    const { createIscIdentitySource } = await import('../isc/create-isc-source.js');
    return { isc: createIscIdentitySource, iiq: otherKind };
  }
  const { createIiqIdentitySource } = await import('../iiq/create-source.js');
  return { iiq: createIiqIdentitySource, isc: otherKind };
}
