import { DotNetException } from '../../host.ts';
import { JContainer, toToken } from './jcontainer.ts';
import { JToken, type JTokenTypeName } from './jtoken.ts';

const OUT_OF_RANGE = 'Index was out of range. Must be non-negative and less than the size of the collection.';

/** Newtonsoft.Json.Linq.JArray: an ordered list of tokens. */
export class JArray extends JContainer {
  /** `new JArray()`, `new JArray(other)` (a deep copy), `new JArray(1, "a", token, enumerable…)`. */
  constructor(...content: unknown[]) {
    super();
    if (content.length === 1 && content[0] instanceof JArray) {
      for (const item of content[0].Children()) this.Add(item.DeepClone());
      return;
    }
    this.Add(...content);
  }

  get Type(): JTokenTypeName {
    return 'Array';
  }

  override DeepClone(): JArray {
    return new JArray(this);
  }

  override get_Item(index: string | number): JToken {
    return this.items[this.checkIndex(index)]!;
  }

  override set_Item(index: string | number, value: unknown): void {
    const at = this.checkIndex(index);
    this.replaceChild(this.items[at]!, value ?? null);
  }

  Insert(index: number, item: unknown): void {
    if (index < 0 || index > this.items.length) throw new DotNetException('ArgumentOutOfRangeException', `${OUT_OF_RANGE} (Parameter 'index')`);
    this.insertItem(index, toToken(item));
  }

  RemoveAt(index: number): void {
    this.removeChild(this.items[this.checkIndex(index)]!);
  }

  /** `Remove(item)` answers whether the item was in the array; `Remove()` removes the array from its parent. */
  override Remove(item?: unknown): boolean {
    if (item === undefined) {
      super.Remove();
      return true;
    }
    return item instanceof JToken && this.removeChild(item);
  }

  Clear(): void {
    this.RemoveAll();
  }

  Contains(item: unknown): boolean {
    return this.items.includes(item as JToken);
  }

  IndexOf(item: unknown): number {
    return this.items.indexOf(item as JToken);
  }

  protected override validateItem(item: JToken): void {
    if (item.Type === 'Property') throw this.cannotAdd(item);
  }

  private checkIndex(index: string | number): number {
    if (typeof index !== 'number') {
      throw new DotNetException('ArgumentException', `Accessed JArray values with invalid key value: "${index}". Int32 array index expected.`);
    }
    if (index < 0 || index >= this.items.length) throw new DotNetException('ArgumentOutOfRangeException', `${OUT_OF_RANGE} (Parameter 'index')`);
    return index;
  }
}

/** Newtonsoft.Json.Linq.JConstructor: `new Date(…)` in JavaScript-flavoured JSON; a name and arguments. */
export class JConstructor extends JContainer {
  Name: string | null;

  constructor(name?: string | JConstructor, ...content: unknown[]) {
    super();
    if (name instanceof JConstructor) {
      this.Name = name.Name;
      for (const item of name.Children()) this.Add(item.DeepClone());
      return;
    }
    this.Name = name ?? null;
    this.Add(...content);
  }

  get Type(): JTokenTypeName {
    return 'Constructor';
  }

  override DeepClone(): JConstructor {
    return new JConstructor(this);
  }

  override get_Item(index: string | number): JToken | null {
    if (typeof index !== 'number') throw new DotNetException('ArgumentException', `Accessed JConstructor values with invalid key value: "${index}". Argument position index expected.`);
    return this.items[index] ?? null;
  }

  protected override validateItem(item: JToken): void {
    if (item.Type === 'Property') throw this.cannotAdd(item);
  }
}
