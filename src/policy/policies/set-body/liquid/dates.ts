/**
 * .NET DateTime formatting for the Liquid Date filter (APIM runs DotLiquid in
 * C# mode: `Date: "yyyyMMddTHH:mm:ssZ"` is a .NET custom format string).
 * Times are UTC, as on the gateway's container.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const STANDARD: Record<string, string> = {
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  d: 'MM/dd/yyyy',
  D: 'dddd, dd MMMM yyyy',
  t: 'HH:mm',
  T: 'HH:mm:ss',
  g: 'MM/dd/yyyy HH:mm',
  G: 'MM/dd/yyyy HH:mm:ss',
};

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

export function formatDotNetDate(date: Date, format: string): string {
  const pattern = format.length === 1 ? (STANDARD[format] ?? format) : format;
  let out = '';
  for (let i = 0; i < pattern.length;) {
    const ch = pattern[i]!;
    if (ch === "'" || ch === '"') {
      const end = pattern.indexOf(ch, i + 1);
      out += pattern.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    if (ch === '\\') {
      out += pattern[i + 1] ?? '';
      i += 2;
      continue;
    }
    let run = 1;
    while (pattern[i + run] === ch) run++;
    out += field(date, ch, run) ?? ch.repeat(run);
    i += run;
  }
  return out;
}

function field(date: Date, ch: string, run: number): string | undefined {
  switch (ch) {
    case 'y': return run === 2 ? pad(date.getUTCFullYear() % 100, 2) : pad(date.getUTCFullYear(), Math.max(run, run === 1 ? 1 : 4));
    case 'M': return run >= 4 ? MONTHS[date.getUTCMonth()] : run === 3 ? MONTHS[date.getUTCMonth()]!.slice(0, 3) : pad(date.getUTCMonth() + 1, run);
    case 'd': return run >= 4 ? DAYS[date.getUTCDay()] : run === 3 ? DAYS[date.getUTCDay()]!.slice(0, 3) : pad(date.getUTCDate(), run);
    case 'H': return pad(date.getUTCHours(), Math.min(run, 2));
    case 'h': return pad(date.getUTCHours() % 12 || 12, Math.min(run, 2));
    case 'm': return pad(date.getUTCMinutes(), Math.min(run, 2));
    case 's': return pad(date.getUTCSeconds(), Math.min(run, 2));
    case 'f':
    case 'F': {
      const digits = pad(date.getUTCMilliseconds(), 3).padEnd(7, '0').slice(0, run);
      return ch === 'F' ? digits.replace(/0+$/, '') : digits;
    }
    case 't': return (date.getUTCHours() < 12 ? 'AM' : 'PM').slice(0, run === 1 ? 1 : 2);
    case 'z': return run === 1 ? '+0' : run === 2 ? '+00' : '+00:00';
    case 'K': return 'Z';
    default: return undefined;
  }
}
