import { DotNetException, OutRef } from '../../host.ts';
import { JArray } from './jarray.ts';
import { JContainer, isMultiContent, toToken } from './jcontainer.ts';
import { JToken, type JTokenTypeName } from './jtoken.ts';
import { JValue } from './jvalue.ts';

/** Newtonsoft.Json.Linq.JProperty: a name and one value token. */
export class JProperty extends JContainer {
  readonly Name: string;

  /** `new JProperty(name, content)`; several values or an enumerable become a JArray. */
  constructor(name: string | JProperty, ...content: unknown[]) {
    super();
    if (name instanceof JProperty) {
      this.Name = name.Name;
      this.Add(name.Value.DeepClone());
      return;
    }
    this.Name = name;
    const value = content.length === 1 && !isMultiContent(content[0]) ? toToken(content[0]) : new JArray(...(content.length === 1 ? [...(content[0] as Iterable<unknown>)] : content));
    this.Add(value);
  }

  get Type(): JTokenTypeName {
    return 'Property';
  }

  get Value(): JToken {
    return this.items[0]!;
  }

  set Value(value: unknown) {
    const token = value === null || value === undefined ? JValue.CreateNull() : toToken(value);
    if (this.items[0]) this.replaceChild(this.items[0], token);
    else this.Add(token);
  }

  override DeepClone(): JProperty {
    return new JProperty(this);
  }

  override deepEquals(other: JToken): boolean {
    return other instanceof JProperty && other.Name === this.Name && super.deepEquals(other);
  }

  /** Removing the value of a property is not allowed in Newtonsoft either. */
  override removeChild(_token: JToken): boolean {
    throw new DotNetException('InvalidOperationException', 'Cannot add or remove items from Newtonsoft.Json.Linq.JProperty.');
  }

  protected override validateItem(item: JToken, replacing: JToken | null): void {
    if (this.items.length > (replacing ? 1 : 0)) {
      throw new DotNetException('InvalidOperationException', `Newtonsoft.Json.Linq.JProperty cannot have multiple values.`);
    }
    if (item instanceof JProperty) throw this.cannotAdd(item);
  }
}

/** .NET StringComparison values that ignore case, by name and by number. */
const IGNORE_CASE = new Set<unknown>(['OrdinalIgnoreCase', 'CurrentCultureIgnoreCase', 'InvariantCultureIgnoreCase', 1, 3, 5]);

/** The runtime's enum values print their name; plain strings and numbers pass through. */
function enumName(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'name' in value ? (value as { name: unknown }).name : value;
}

/** Newtonsoft.Json.Linq.JObject: ordered properties; iterates as KeyValuePair<string, JToken>. */
export class JObject extends JContainer {
  readonly #byName = new Map<string, JProperty>();

  /** `new JObject()`, `new JObject(other)` (a deep copy), `new JObject(new JProperty(…), …)`. */
  constructor(...content: unknown[]) {
    super();
    if (content.length === 1 && content[0] instanceof JObject) {
      for (const property of content[0].Properties()) this.Add(property.DeepClone());
      return;
    }
    this.Add(...content);
  }

  get Type(): JTokenTypeName {
    return 'Object';
  }

  override DeepClone(): JObject {
    return new JObject(this);
  }

  override get_Item(key: string | number): JToken | null {
    if (typeof key !== 'string') {
      throw new DotNetException('ArgumentException', `Accessed JObject values with invalid key value: ${String(key)}. Object property name expected.`);
    }
    return this.#byName.get(key)?.Value ?? null;
  }

  override set_Item(key: string | number, value: unknown): void {
    const name = String(key);
    const property = this.#byName.get(name);
    if (property) property.Value = value;
    else this.Add(new JProperty(name, value ?? null));
  }

  /** `Add(name, value)` or `Add(property)`. */
  override Add(...content: unknown[]): void {
    if (content.length === 2 && typeof content[0] === 'string') {
      super.Add(new JProperty(content[0], content[1] ?? null));
      return;
    }
    super.Add(...content);
  }

  Properties(): JProperty[] {
    return this.items as JProperty[];
  }

  Property(name: string, comparison?: unknown): JProperty | null {
    const exact = this.#byName.get(name);
    if (exact || !IGNORE_CASE.has(enumName(comparison))) return exact ?? null;
    const lower = name.toLowerCase();
    return this.Properties().find((p) => p.Name.toLowerCase() === lower) ?? null;
  }

  PropertyValues(): JToken[] {
    return this.Properties().map((p) => p.Value);
  }

  GetValue(name: string, comparison?: unknown): JToken | null {
    return this.Property(name, comparison)?.Value ?? null;
  }

  TryGetValue(name: string, ...rest: unknown[]): boolean {
    const out = rest.at(-1) as OutRef<JToken | null>;
    const value = this.GetValue(name, rest.length > 1 ? rest[0] : undefined);
    out.value = value;
    return value !== null;
  }

  ContainsKey(name: string): boolean {
    return this.#byName.has(name);
  }

  /** `Remove(name)` removes a property and answers whether it existed; `Remove()` removes this object from its parent. */
  override Remove(name?: unknown): boolean {
    if (name === undefined) {
      super.Remove();
      return true;
    }
    const property = this.#byName.get(String(name));
    return property ? this.removeChild(property) : false;
  }

  override *[Symbol.iterator](): Iterator<{ Key: string; Value: JToken }> {
    for (const property of this.Properties()) yield { Key: property.Name, Value: property.Value };
  }

  protected override validateItem(item: JToken, replacing: JToken | null): void {
    if (!(item instanceof JProperty)) throw this.cannotAdd(item);
    const existing = this.#byName.get(item.Name);
    if (existing && existing !== replacing) {
      throw new DotNetException('ArgumentException', `Can not add property ${item.Name} to Newtonsoft.Json.Linq.JObject. Property with the same name already exists on object.`);
    }
  }

  protected override onItemAdded(item: JToken): void {
    this.#byName.set((item as JProperty).Name, item as JProperty);
  }

  protected override onItemRemoved(item: JToken): void {
    this.#byName.delete((item as JProperty).Name);
  }
}
