/**
 * The report page's only style sheet, inline. Local system fonts only (nothing is fetched);
 * high-contrast text; in print: black on white, no cut charts or table rows, links none.
 */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #555; --rule: #c8c8c8; --band: #f3f5f7; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1040px; padding: 24px 28px 48px; color: var(--ink); background: #fff;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 16px; margin: 18px 0 6px; }
.meta, .note { color: var(--muted); font-size: 13px; }
code { font: 13px ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 8px 0 16px; }
.card { border: 1px solid var(--rule); border-left: 5px solid #0072B2; padding: 8px 12px; background: var(--band); }
.card .label { display: block; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.card .value { display: block; font-size: 24px; font-weight: 650; }
.card .sub { display: block; font-size: 12px; color: var(--muted); }
.card.alert { border-left-color: #D55E00; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13.5px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) td { background: #fafbfc; }
.human { color: var(--muted); font-size: 12px; white-space: nowrap; }
td.when { white-space: nowrap; }
.tag { display: inline-block; padding: 0 6px; border: 1px solid currentColor; border-radius: 3px; font-size: 12px; }
.tag.expired { color: #9a3b00; } .tag.in-force { color: #005a8c; }
svg.chart { display: block; width: 100%; max-width: 960px; height: auto; margin: 8px 0 4px; font-family: inherit; }
svg .chart-title { font-size: 15px; font-weight: 650; fill: var(--ink); }
svg .grid { stroke: #e1e1e1; stroke-width: 1; }
svg .axis { stroke: var(--ink); stroke-width: 1.2; }
svg .tick, svg .legend, svg .value { font-size: 12px; fill: var(--ink); }
svg .axis-label { font-size: 12.5px; fill: var(--ink); font-weight: 600; }
svg .series { fill: none; stroke-width: 2.4; stroke-linejoin: round; }
.empty { padding: 10px 12px; border: 1px dashed var(--rule); color: var(--muted); }
footer { margin-top: 36px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--rule); padding-top: 8px; }
@page { margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; color: #000; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  figure, svg.chart, tr, .card { break-inside: avoid; }
  .card, th, tbody tr:nth-child(even) td { background: #fff; }
  thead { display: table-header-group; }
}
`;
