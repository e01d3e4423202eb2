/** The .NET exceptions the runtime raises, with .NET's wording. */
import { DotNetException } from '../host.ts';

export function nullReference(): DotNetException {
  return new DotNetException('NullReferenceException', 'Object reference not set to an instance of an object.');
}

export function indexOutOfRange(): DotNetException {
  return new DotNetException('IndexOutOfRangeException', 'Index was outside the bounds of the array.');
}

export function argumentOutOfRange(name: string): DotNetException {
  return new DotNetException('ArgumentOutOfRangeException', `Specified argument was out of the range of valid values. (Parameter '${name}')`);
}

export function argumentNull(name: string): DotNetException {
  return new DotNetException('ArgumentNullException', `Value cannot be null. (Parameter '${name}')`);
}

export function formatError(message = 'Input string was not in a correct format.'): DotNetException {
  return new DotNetException('FormatException', message);
}

export function invalidOperation(message: string): DotNetException {
  return new DotNetException('InvalidOperationException', message);
}

export function invalidCast(value: unknown, target: string): DotNetException {
  return new DotNetException('InvalidCastException', `Unable to cast object of type '${dotNetTypeName(value)}' to type '${target}'.`);
}

export function missingMember(target: unknown, name: string): DotNetException {
  return new DotNetException('RuntimeBinderException', `'${dotNetTypeName(target)}' does not contain a definition for '${name}'`);
}

/** .NET's full name for a value's runtime type, for messages. */
export function dotNetTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return 'System.String';
    case 'number':
      return Number.isInteger(value) ? 'System.Int32' : 'System.Double';
    case 'boolean':
      return 'System.Boolean';
    case 'function':
      return 'System.Delegate';
    default:
      if (value instanceof Uint8Array) return 'System.Byte[]';
      if (Array.isArray(value)) return 'System.Object[]';
      return (value as object).constructor?.name ?? 'System.Object';
  }
}
