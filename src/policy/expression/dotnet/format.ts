/**
 * .NET's invariant-culture text forms of numbers and booleans, which JSON
 * and XML conversions of the .NET library produce (`(string)jvalue`,
 * Newtonsoft's float output, `XElement.Value` of a double).
 */

/** `double.ToString("R", InvariantCulture)` as .NET Core 3.0+ prints it: shortest round-trip digits, `E+XX` beyond 15 integer digits or below 1E-4 (0.0001 stays fixed). */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const sign = value < 0 ? '-' : '';
  const maxDigits = Math.max(digits.length, 15);
  if (exponent + 1 > maxDigits || exponent + 1 < -3) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const exponentSign = exponent < 0 ? '-' : '+';
    return `${sign}${digits[0]}${fraction}E${exponentSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return sign + digits + '0'.repeat(exponent + 1 - digits.length);
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** How .NET prints a number held in a JS number: integral values as integers (Int64 form), others as doubles. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? BigInt(value).toString() : formatDouble(value);
}

/** `bool.ToString()`. */
export function formatBoolean(value: boolean): string {
  return value ? 'True' : 'False';
}
