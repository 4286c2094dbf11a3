// pf hashes an effects-ledger entry's `ts` in its canonical form, not as written: parsed as RFC 3339, re-printed
// in UTC with a `Z` and 0, 3, 6 or 9 fractional digits, the fewest that hold the value (chrono's AutoSi).
// `.5` becomes `.500`, `.123400` stays `.123400`, `.000` disappears, `+02:00` moves the clock to UTC.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Already canonical, as pf writes it: UTC with `Z`, 0/3/6/9 digits whose last three are not all zero, and a day no
 * month lacks (day 29 and later take the slow path, which knows the months). Most ledger lines take this path.
 */
const CANONICAL =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.(\d{3}){0,2}(?!000)\d{3})?Z$/;

/** The canonical form of an RFC 3339 timestamp, or undefined when it is not one. */
export function canonicalTimestamp(text: string): string | undefined {
  if (CANONICAL.test(text)) {
    return text;
  }
  return slowCanonical(text);
}

function slowCanonical(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (!m) {
    return undefined;
  }
  const [, y, mo, d, h, mi, s, fraction, zone, sign, oh, om] = m;
  const seconds = Number(s);
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    day.getUTCMonth() !== Number(mo) - 1 ||
    day.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    seconds > 60
  ) {
    return undefined; // no such day or time (a leap second, :60, is read as :59, as chrono parses it)
  }
  let ms = day.getTime() + ((Number(h) * 60 + Number(mi)) * 60 + Math.min(seconds, 59)) * 1000;
  if (zone !== 'Z' && zone !== 'z') {
    const offset = (Number(oh) * 60 + Number(om)) * 60_000;
    ms -= sign === '+' ? offset : -offset;
  }
  const utc = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const whole = `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}T${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}`;
  return `${whole}${canonicalFraction(fraction ?? '')}Z`;
}

/** Nanoseconds (digits past the ninth are dropped, as chrono does) in the fewest of 0, 3, 6 or 9 digits. */
function canonicalFraction(digits: string): string {
  const nanos = digits.slice(0, 9).padEnd(9, '0');
  if (nanos === '000000000') {
    return '';
  }
  if (nanos.endsWith('000000')) {
    return `.${nanos.slice(0, 3)}`;
  }
  if (nanos.endsWith('000')) {
    return `.${nanos.slice(0, 6)}`;
  }
  return `.${nanos}`;
}
