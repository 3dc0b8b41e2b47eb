const MARKUP_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML and SVG content and attribute values (double-quoted). */
export function escapeMarkup(value: string): string {
  return value.replace(/[&<>"']/g, (char) => MARKUP_ENTITIES[char] ?? char);
}

/**
 * Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), yellow left
 * out: too faint on white paper. Charts pair each colour with a marker shape as well.
 */
export const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;

/** Marker shapes, in the order tiers get them. */
export const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'cross'] as const;
export type MarkerShape = (typeof MARKERS)[number];

/** Minutes as the text table prints them (one decimal), or "–" when there is nothing to measure. */
export function formatMinutes(minutes: number | null): string {
  return minutes === null ? '–' : minutes.toFixed(1);
}

/** A duration in minutes for a person: "45 min", "5.2 h", "3.1 d". */
export function humanDuration(minutes: number | null): string {
  if (minutes === null) return '–';
  const sign = minutes < 0 ? '−' : '';
  const abs = Math.abs(minutes);
  if (abs < 120) return `${sign}${Math.round(abs)} min`;
  if (abs < 72 * 60) return `${sign}${(abs / 60).toFixed(1)} h`;
  return `${sign}${(abs / 1440).toFixed(1)} d`;
}

/** A number rounded for SVG coordinates (short, deterministic output). */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}
