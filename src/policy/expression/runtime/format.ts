/** .NET numeric format strings and composite formatting (`{0,-5:N2}`), invariant culture. */
import { formatError } from './errors.ts';

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function fixed(value: number, decimals: number): string {
  return Math.abs(value) < 1e21 ? value.toFixed(decimals) : value.toString();
}

/** Custom patterns like "0.00", "#,##0.0", "000". */
function customNumber(value: number, format: string): string {
  const [intPart = '', fracPart = ''] = format.split('.');
  const decimals = fracPart.replace(/[^0#]/g, '').length;
  const required = (fracPart.match(/0/g) ?? []).length;
  let text = fixed(Math.abs(value), decimals);
  let [whole = '', frac = ''] = text.split('.');
  while (frac.length > required && frac.endsWith('0')) frac = frac.slice(0, -1);
  const minInt = (intPart.match(/0/g) ?? []).length;
  whole = whole.replace(/^0+/, '').padStart(minInt, '0');
  if (intPart.includes(',')) whole = groupThousands(whole);
  text = frac ? `${whole}.${frac}` : whole;
  if (text === '') text = '0';
  return value < 0 && /[1-9]/.test(text) ? `-${text}` : text;
}

export function formatNumber(value: number, format: string): string {
  if (format === '') return defaultNumber(value);
  const spec = /^([A-Za-z])(\d*)$/.exec(format);
  if (!spec) return customNumber(value, format);
  const kind = spec[1]!;
  const precision = spec[2] === '' ? null : Number(spec[2]);
  switch (kind.toUpperCase()) {
    case 'D': {
      const digits = Math.abs(Math.trunc(value)).toString().padStart(precision ?? 0, '0');
      return value < 0 ? `-${digits}` : digits;
    }
    case 'N': {
      const text = fixed(Math.abs(value), precision ?? 2);
      const [whole = '', frac] = text.split('.');
      const out = groupThousands(whole) + (frac ? `.${frac}` : '');
      return value < 0 ? `-${out}` : out;
    }
    case 'F':
      return fixed(value, precision ?? 2);
    case 'P':
      return `${formatNumber(value * 100, `N${precision ?? 2}`)} %`;
    case 'X': {
      const hex = (value < 0 ? (value >>> 0) : value).toString(16).padStart(precision ?? 0, '0');
      return kind === 'X' ? hex.toUpperCase() : hex;
    }
    case 'E': {
      const [mantissa, exponent = '0'] = value.toExponential(precision ?? 6).split('e');
      const sign = exponent.startsWith('-') ? '-' : '+';
      return `${mantissa}${kind}${sign}${exponent.replace(/^[+-]/, '').padStart(3, '0')}`;
    }
    case 'G':
      return precision ? Number(value.toPrecision(precision)).toString() : defaultNumber(value);
    case 'R':
      return defaultNumber(value);
    case 'C':
      return `¤${formatNumber(value, `N${precision ?? 2}`)}`;
    default:
      throw formatError('Format specifier was invalid.');
  }
}

/** Double.ToString(): shortest round-trip text, .NET exponent style for very large/small values. */
export function defaultNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '-∞';
  const text = String(value);
  const exp = /^(-?[\d.]+)e([+-])(\d+)$/.exec(text);
  if (exp) return `${exp[1]}E${exp[2]}${exp[3]!.padStart(2, '0')}`;
  if (Math.abs(value) >= 1e15 && Number.isInteger(value) && !Number.isSafeInteger(value)) return text;
  return text;
}

export function align(text: string, alignment: string | null): string {
  if (!alignment) return text;
  const width = Number(alignment);
  if (!Number.isInteger(width)) throw formatError();
  return width < 0 ? text.padEnd(-width) : text.padStart(width);
}

/** String.Format: `{index[,alignment][:format]}`, `{{`/`}}` escapes. */
export function compositeFormat(format: string, args: readonly unknown[], formatValue: (v: unknown, f: string | null) => string): string {
  let out = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c === '{' && format[i + 1] === '{') {
      out += '{';
      i += 2;
    } else if (c === '}' && format[i + 1] === '}') {
      out += '}';
      i += 2;
    } else if (c === '{') {
      const close = format.indexOf('}', i);
      if (close === -1) throw formatError();
      const m = /^\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?(?::(.*))?$/s.exec(format.slice(i + 1, close));
      if (!m) throw formatError();
      const index = Number(m[1]);
      if (index >= args.length) throw formatError('Index (zero based) must be greater than or equal to zero and less than the size of the argument list.');
      out += align(formatValue(args[index], m[3] ?? null), m[2] ?? null);
      i = close + 1;
    } else if (c === '}') {
      throw formatError();
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
