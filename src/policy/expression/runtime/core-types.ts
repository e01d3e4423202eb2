/** The BCL types the core runtime provides, by the registry key the compiler resolves names to. */
import { DotNetException } from '../host.ts';
import type { CoreType } from './registry.ts';
import { StringStatics, StringComparison, StringSplitOptions } from './strings.ts';
import { BooleanStatics, CharStatics, MathStatics, MidpointRounding, NullableStatics, Random, numberStatics } from './numbers.ts';
import { DateTime, DateTimeKind, DateTimeOffset, DateTimeOffsetStatics, DateTimeStatics, DayOfWeek, TimeSpan, TimeSpanStatics } from './datetime.ts';
import { ArrayStatics, Dictionary, HashSet, KeyValuePair, Queue, Stack, StringBuilder, StringComparer, StringComparerStatics, Tuple, TupleStatics } from './collections.ts';
import { ConvertStatics, Guid, GuidStatics, Uri, UriPartial, UriStatics, WebUtilityStatics } from './convert.ts';
import { Group, Match, Regex, RegexOptions, RegexStatics } from './regex.ts';
import { LINQ } from './linq.ts';
import { StringReader, StringWriter } from './text-io.ts';
import { TimeZoneInfo, TimeZoneInfoStatics } from './timezone.ts';

type Ctor = new (...args: never[]) => unknown;

function cls(type: Ctor, statics: object = {}): CoreType {
  return { statics, create: (_t, args) => new type(...(args as never[])), test: (v) => v instanceof type };
}

const isIterable = (v: unknown) => typeof v === 'string' || (v !== null && typeof v === 'object' && Symbol.iterator in (v as object));
const list: CoreType = { statics: {}, create: (_t, args) => (args[0] !== undefined && typeof args[0] === 'object' && args[0] !== null ? [...(args[0] as Iterable<unknown>)] : []), test: Array.isArray };

function exception(name: string): CoreType {
  return {
    statics: {},
    create: (_t, args) => new DotNetException(name, typeof args[0] === 'string' ? args[0] : `Exception of type 'System.${name}' was thrown.`),
    test: (v) => v instanceof DotNetException && (name === 'Exception' || v.type === name),
  };
}

const numeric = (name: string): CoreType => ({ statics: numberStatics(name), test: (v) => typeof v === 'number' });

export const CORE_TYPES: Record<string, CoreType> = {
  string: { statics: StringStatics, test: (v) => typeof v === 'string', create: (_t, args) => (typeof args[0] === 'string' ? args[0].repeat(args[1] as number) : (args[0] as string[]).join('')) },
  int: numeric('int'), long: numeric('long'), short: numeric('short'), byte: numeric('byte'), sbyte: numeric('sbyte'),
  uint: numeric('uint'), ulong: numeric('ulong'), ushort: numeric('ushort'), double: numeric('double'), float: numeric('float'),
  decimal: numeric('decimal'),
  bool: { statics: BooleanStatics, test: (v) => typeof v === 'boolean' },
  char: { statics: CharStatics, test: (v) => typeof v === 'string' && v.length === 1 },
  object: { statics: {}, create: () => ({}), test: (v) => v !== null && v !== undefined },
  Math: { statics: MathStatics },
  Convert: { statics: ConvertStatics },
  Random: cls(Random),
  Guid: cls(Guid, GuidStatics),
  DateTime: cls(DateTime, DateTimeStatics),
  DateTimeKind: { statics: DateTimeKind },
  DayOfWeek: { statics: DayOfWeek },
  TimeSpan: cls(TimeSpan, TimeSpanStatics),
  DateTimeOffset: cls(DateTimeOffset, DateTimeOffsetStatics),
  MidpointRounding: { statics: MidpointRounding },
  StringComparison: { statics: StringComparison },
  StringSplitOptions: { statics: StringSplitOptions },
  StringComparer: { statics: StringComparerStatics, test: (v) => v instanceof StringComparer },
  Array: { statics: ArrayStatics, test: (v) => Array.isArray(v) || v instanceof Uint8Array },
  Enumerable: {
    statics: {
      Range: (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i),
      Repeat: (value: unknown, count: number) => new Array<unknown>(count).fill(value),
      Empty: () => [],
      ...Object.fromEntries(Object.entries(LINQ).map(([name, f]) => [name, f])),
    },
  },
  // delegates are JS functions; a lambda stored in a `Func<int, int>` local is invoked like a method
  Func: { test: (v) => typeof v === 'function' }, Action: { test: (v) => typeof v === 'function' },
  Predicate: { test: (v) => typeof v === 'function' }, Comparison: { test: (v) => typeof v === 'function' },
  TimeZoneInfo: cls(TimeZoneInfo, TimeZoneInfoStatics),
  StringReader: cls(StringReader),
  StringWriter: cls(StringWriter),
  List: list, IList: { test: Array.isArray }, ICollection: { test: isIterable }, IReadOnlyCollection: { test: isIterable },
  IEnumerable: { test: isIterable },
  Dictionary: cls(Dictionary),
  HashSet: cls(HashSet),
  Queue: cls(Queue),
  Stack: cls(Stack),
  KeyValuePair: cls(KeyValuePair),
  Tuple: cls(Tuple, TupleStatics),
  StringBuilder: cls(StringBuilder),
  Nullable: { statics: NullableStatics },
  Uri: cls(Uri, UriStatics),
  UriPartial: { statics: UriPartial },
  WebUtility: { statics: WebUtilityStatics },
  Regex: cls(Regex, RegexStatics),
  RegexOptions: { statics: RegexOptions },
  Match: { statics: {}, test: (v) => v instanceof Match },
  Group: { statics: {}, test: (v) => v instanceof Group },
  ...Object.fromEntries(
    ['Exception', 'ArgumentException', 'ArgumentNullException', 'ArgumentOutOfRangeException', 'InvalidOperationException',
      'FormatException', 'NotSupportedException', 'NotImplementedException', 'KeyNotFoundException', 'InvalidCastException',
      'NullReferenceException', 'IndexOutOfRangeException', 'OverflowException', 'DivideByZeroException', 'UriFormatException',
      'SystemException', 'TimeoutException', 'TimeZoneNotFoundException'].map((name) => [name, exception(name)]),
  ),
};
