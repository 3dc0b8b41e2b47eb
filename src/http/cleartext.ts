import { isIP } from 'node:net';

/** A URL the watchdog contacts, by the config key (or environment variable) that set it. */
export interface ContactedUrl {
  key: string;
  url: string;
}

/** What travels to the URLs of known keys (anything else: "what it sends"). */
const CARRIES: Record<string, string> = {
  'iiq.baseUrl': 'the IIQ credentials and identity data',
  IIQ_BASE_URL: 'the IIQ credentials and identity data',
  'isc.baseUrl': 'the ISC tokens and identity data',
  'pagerduty.eventsUrl': 'the routing key and the incidents',
  PAGERDUTY_EVENTS_URL: 'the routing key and the incidents',
  'health.heartbeatUrl': 'the heartbeat URL (often a secret of its own)',
};

/** The environment variable that overrides a config key. */
const OVERRIDDEN_BY: Record<string, string> = { 'iiq.baseUrl': 'IIQ_BASE_URL', 'pagerduty.eventsUrl': 'PAGERDUTY_EVENTS_URL' };

/**
 * Every URL in a validated config that the watchdog contacts: each key ending in `Url` (iiq.baseUrl,
 * pagerduty.eventsUrl, health.heartbeatUrl, and isc.baseUrl where the config has one), named by the
 * environment variable when one overrode it. Templates (`identityUrlTemplate`) are not contacted.
 */
export function contactedUrls(
  config: object,
  env: Readonly<Partial<Record<'IIQ_BASE_URL' | 'PAGERDUTY_EVENTS_URL', string>>>,
): ContactedUrl[] {
  const found: ContactedUrl[] = [];
  const walk = (node: unknown, path: string): void => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return;
    for (const [key, value] of Object.entries(node)) {
      // The source section is named in the config file by its kind (`iiq` or `isc`): say that key.
      const section = key === 'source' && !path ? (value as { kind?: unknown } | null)?.kind : undefined;
      const name = typeof section === 'string' ? section : key;
      const dotted = path ? `${path}.${name}` : name;
      if (typeof value === 'string' && key.endsWith('Url') && /^https?:/i.test(value)) {
        const variable = OVERRIDDEN_BY[dotted];
        found.push({ key: variable && env[variable as keyof typeof env] !== undefined ? variable : dotted, url: value });
      } else if (typeof value === 'object') {
        walk(value, dotted);
      }
    }
  };
  walk(config, '');
  return found;
}

/**
 * One warning per plain `http://` URL to a host other than loopback: credentials or the routing
 * key would cross the network in clear text. Loopback (localhost, 127.0.0.0/8, ::1)
 * never leaves the machine and is not warned about.
 */
export function cleartextWarnings(urls: readonly ContactedUrl[]): string[] {
  return urls.flatMap(({ key, url }) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return [];
    }
    if (parsed.protocol !== 'http:' || isLoopbackHost(parsed.hostname)) return [];
    return [
      `${key} is plain http:// to ${parsed.hostname}, not loopback: ${CARRIES[key] ?? 'what it sends'} would cross the network in clear text; use https://`,
    ];
  });
}

/** True for names and addresses that never leave this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host) || /^::ffff:7f/.test(host);
  return false;
}
