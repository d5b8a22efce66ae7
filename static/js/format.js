// Dates, hours and energy as a person reads them: in their own time zone (data-timezone on
// <body>, the account's IANA zone), never the browser's.

export const timezone = document.body.dataset.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;

// The devices API sends decimals as strings ("1.250"), monitoring as JSON numbers: read every
// number through this.
export const number = (value) => (value === null || value === undefined || value === "" ? 0 : Number(value));

const energy = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2, minimumFractionDigits: 2 });
export const kwh = (value) => `${energy.format(number(value))} kWh`;

// Power in kW, or "–" when the meter has no current figure (a single reading, or gone quiet).
export const kilowatts = (demand) => (demand && demand.kw !== null && demand.kw !== undefined
  ? `${energy.format(number(demand.kw))} kW` : "–");

// An amount in a currency (ISO 4217 code from the tariff), or "–" without one.
export const money = (value, currency) => (currency
  ? new Intl.NumberFormat(undefined, { style: "currency", currency }).format(number(value))
  : "–");

// "YYYY-MM-DD" of an instant in the account's time zone (en-CA formats dates that way).
export function localDate(instant = new Date()) {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit",
  }).format(instant);
}

export const hourLabel = (iso) =>
  new Intl.DateTimeFormat(undefined, { timeZone: timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));

export const dayLabel = (iso) =>
  new Intl.DateTimeFormat(undefined, { timeZone: timezone, weekday: "short", day: "numeric", month: "short" }).format(new Date(iso));

export const monthLabel = (iso) =>
  new Intl.DateTimeFormat(undefined, { timeZone: timezone, month: "short", year: "numeric" }).format(new Date(iso));

export const dateTimeLabel = (iso) =>
  new Intl.DateTimeFormat(undefined, { timeZone: timezone, dateStyle: "medium", timeStyle: "short", hourCycle: "h23" }).format(new Date(iso));

// Calendar arithmetic on "YYYY-MM-DD" strings: done in UTC, where every day has 24 hours.
const parse = (date) => new Date(`${date}T00:00:00Z`);
const text = (day) => day.toISOString().slice(0, 10);

export function addDays(date, days) {
  const day = parse(date);
  day.setUTCDate(day.getUTCDate() + days);
  return text(day);
}

export function weekOf(date) {
  // ISO weeks: Monday to Sunday.
  const offset = (parse(date).getUTCDay() + 6) % 7;
  const from = addDays(date, -offset);
  return { from, to: addDays(from, 6) };
}

export function monthOf(date) {
  const day = parse(date);
  const first = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1));
  const last = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0));
  return { from: text(first), to: text(last) };
}

export function yearOf(date) {
  const year = date.slice(0, 4);
  return { from: `${year}-01-01`, to: `${year}-12-31` };
}

export function addMonths(date, months) {
  const day = parse(date);
  const target = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day.getUTCDate(), lastDay));
  return text(target);
}

// The hour of `hours` ([{start, kwh}]) that contains `now`, or null.
export function currentHour(hours, now = Date.now()) {
  return hours.find((hour) => {
    const start = Date.parse(hour.start);
    return start <= now && now < start + 3600 * 1000;
  }) || null;
}

// What a chosen period covers, as words: "Mon, Nov 23 – Sun, Nov 29" for a week, "November 2026"
// for a month, "Friday, November 27, 2026" for a day (calendar dates: no time zone applies).
export function periodLabel(kind, date) {
  const calendarDate = (options) => new Intl.DateTimeFormat(undefined, { timeZone: "UTC", ...options });
  if (kind === "week") {
    const { from, to } = weekOf(date);
    const short = calendarDate({ weekday: "short", day: "numeric", month: "short" });
    return `${short.format(parse(from))} – ${short.format(parse(to))}`;
  }
  if (kind === "month") return calendarDate({ month: "long", year: "numeric" }).format(parse(date));
  if (kind === "year") return date.slice(0, 4);
  return calendarDate({ weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(parse(date));
}
