/**
 * The fake PagerDuty's web page (GET /): what it received, as incidents a person can read —
 * open and resolved, each with its events — plus the requests it rejected. One self-contained
 * HTML page: no script, nothing loaded from elsewhere, every received text escaped. Routing keys
 * are never shown.
 */

/** One received request, as the fake PagerDuty records it (see fake-pagerduty.ts). */
export interface PageEvent {
  receivedAt: number;
  body: unknown;
  status: number;
}

/** The parts of an event body the page shows, read defensively: the body is whatever was sent. */
interface EventView {
  action: string | undefined;
  dedupKey: string | undefined;
  payload: Readonly<Record<string, unknown>>;
}

interface Incident {
  dedupKey: string;
  status: 'open' | 'acknowledged' | 'resolved';
  events: PageEvent[];
  /** The payload of the last trigger; absent until one arrived. */
  trigger: Readonly<Record<string, unknown>> | undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A JSON object body as an event; undefined for anything else (raw text, arrays of nothing useful). */
function viewOf(body: unknown): EventView | undefined {
  if (!isRecord(body)) return undefined;
  return { action: text(body.event_action), dedupKey: text(body.dedup_key), payload: isRecord(body.payload) ? body.payload : {} };
}

const STATUS_OF: Record<string, Incident['status']> = { trigger: 'open', acknowledge: 'acknowledged', resolve: 'resolved' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string | number | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Incidents by dedup key from the accepted events, in order of first event; status from the last. */
export function incidentsOf(received: readonly PageEvent[]): Incident[] {
  const byKey = new Map<string, Incident>();
  for (const event of received) {
    const view = viewOf(event.body);
    if (event.status !== 202 || view?.dedupKey === undefined) continue;
    const { dedupKey, action } = view;
    let incident = byKey.get(dedupKey);
    if (!incident) byKey.set(dedupKey, (incident = { dedupKey, status: 'open', events: [], trigger: undefined }));
    incident.events.push(event);
    incident.status = (action === undefined ? undefined : STATUS_OF[action]) ?? incident.status;
    if (action === 'trigger') incident.trigger = view.payload;
  }
  return [...byKey.values()];
}

const time = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

function eventRows(events: readonly PageEvent[]): string {
  return events
    .map(({ receivedAt, body, status }) => {
      const view = viewOf(body);
      return (
        `<tr><td>${escapeHtml(time(receivedAt))}</td><td>${escapeHtml(view?.action)}</td><td>${escapeHtml(status)}</td>` +
        `<td>${escapeHtml(text(view?.payload.severity))}</td><td>${escapeHtml(text(view?.payload.summary))}</td></tr>`
      );
    })
    .join('');
}

function incidentSection(incident: Incident): string {
  const payload = incident.trigger ?? {};
  const details =
    payload.custom_details === undefined
      ? ''
      : `<details><summary>custom_details</summary><pre>${escapeHtml(JSON.stringify(payload.custom_details, null, 2))}</pre></details>`;
  return (
    `<section class="incident ${incident.status}" data-dedup-key="${escapeHtml(incident.dedupKey)}" data-status="${incident.status}">` +
    `<h3><span class="badge">${incident.status}</span> ${escapeHtml(text(payload.summary) ?? '(no trigger received)')}</h3>` +
    `<p>dedup_key <code>${escapeHtml(incident.dedupKey)}</code> · severity ${escapeHtml(text(payload.severity) ?? '-')} · source ${escapeHtml(text(payload.source) ?? '-')}</p>` +
    details +
    `<table><thead><tr><th>received</th><th>action</th><th>HTTP</th><th>severity</th><th>summary</th></tr></thead><tbody>${eventRows(incident.events)}</tbody></table>` +
    '</section>'
  );
}

/** The whole page. `refreshSeconds` > 0 adds a meta refresh (no script needed). */
export function renderIncidentsPage(received: readonly PageEvent[], options: { refreshSeconds?: number } = {}): string {
  const incidents = incidentsOf(received);
  const open = incidents.filter((i) => i.status !== 'resolved');
  const resolved = incidents.filter((i) => i.status === 'resolved');
  const rejected = received.filter((r) => r.status !== 202);
  const list = (items: Incident[], none: string): string =>
    items.length === 0 ? `<p class="none">${none}</p>` : items.map(incidentSection).join('');
  const rejectedRows = rejected
    .map(({ receivedAt, body, status }) => {
      const view = viewOf(body);
      const what = view ? `${view.action ?? '?'} ${view.dedupKey ?? ''}` : 'not JSON';
      return `<tr><td>${escapeHtml(time(receivedAt))}</td><td>${escapeHtml(status === 0 ? 'no answer' : status)}</td><td>${escapeHtml(what)}</td></tr>`;
    })
    .join('');
  const refresh = options.refreshSeconds ? `<meta http-equiv="refresh" content="${Math.round(options.refreshSeconds)}">` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
${refresh}<title>Fake PagerDuty: ${open.length} open, ${resolved.length} resolved</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:1.5rem;color:#111}
h1{font-size:1.4rem}h2{margin-top:2rem;border-bottom:1px solid #999}h3{font-size:1rem;margin:.2rem 0}
.incident{border:1px solid #bbb;border-left:6px solid #b00;padding:.5rem .8rem;margin:.8rem 0}
.incident.resolved{border-left-color:#176}.incident.acknowledged{border-left-color:#a60}
.badge{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;padding:0 .3rem;border:1px solid currentColor}
table{border-collapse:collapse;margin-top:.4rem}td,th{border:1px solid #ccc;padding:.15rem .4rem;text-align:left;vertical-align:top}
code,pre{font-size:.85rem}.none{color:#555}
</style></head>
<body>
<h1>Fake PagerDuty (sandbox)</h1>
<p id="totals">${open.length} open, ${resolved.length} resolved; ${received.length} events received, ${rejected.length} rejected.${refresh ? ' This page reloads itself.' : ''}</p>
<h2 id="open">Open incidents (${open.length})</h2>
${list(open, 'No open incident.')}
<h2 id="resolved">Resolved incidents (${resolved.length})</h2>
${list(resolved, 'No resolved incident.')}
<h2 id="rejected">Rejected requests (${rejected.length})</h2>
${rejected.length === 0 ? '<p class="none">None.</p>' : `<table><thead><tr><th>received</th><th>HTTP</th><th>event</th></tr></thead><tbody>${rejectedRows}</tbody></table>`}
</body></html>
`;
}
