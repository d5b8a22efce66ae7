// Ownership periods as a person reads them: a client sees a meter's hours only for the time it
// was theirs (docs/monitoring.md, "Ownership periods"); the consumption answers say which part
// (`visible_from`, `visible_to`, `visible_periods`), hours outside it are null.

import { dateTimeLabel } from "./format.js";

// [{start, end}] (start null: since the meter's beginning) -> "until 3 Mar 2026, 10:00".
export function periodsLabel(periods) {
  return periods.map(({ start, end }) => (start
    ? `from ${dateTimeLabel(start)} until ${dateTimeLabel(end)}`
    : `until ${dateTimeLabel(end)}`)).join(", ");
}

// A sentence for a consumption answer of which the caller may read only a part, or "".
export function visibilityNote(answer) {
  const entries = answer.hours || answer.buckets || [];
  // A gap (no data) or the future is not about ownership: only `hidden` entries are.
  const hidden = entries.filter((entry) => entry.hidden).length;
  const partial = entries.some((entry) => entry.partial);
  if (!hidden && !partial) return "";
  if (!answer.visible_from) return " This meter was not yours during this period: nothing to show.";
  return ` Only the hours while the meter was yours are shown (${dateTimeLabel(answer.visible_from)} – ${dateTimeLabel(answer.visible_to)}).`;
}

// The energy of an entry for charts: null (a gap) where there is no data, the caller may not
// read it, or it has not happened yet.
export const energyOrGap = (entry, number) => (entry.kwh === null ? null : number(entry.kwh));
