/** .NET enum values whose type decides an overload (StringComparison vs a start index): singletons that print their name. */
export class EnumValue {
  readonly type: string;
  readonly name: string;
  readonly value: number;
  constructor(type: string, name: string, value: number) {
    this.type = type;
    this.name = name;
    this.value = value;
  }
  ToString(): string {
    return this.name;
  }
  GetHashCode(): number {
    return this.value;
  }
  CompareTo(other: EnumValue): number {
    return this.value - other.value;
  }
}

export function enumType<const N extends string>(type: string, names: readonly N[]): Record<N, EnumValue> {
  const values = {} as Record<N, EnumValue>;
  names.forEach((name, i) => {
    values[name] = new EnumValue(type, name, i);
  });
  return Object.freeze(values);
}
