import { DotNetException } from '../../host.ts';
import { JToken } from './jtoken.ts';
import { JValue } from './jvalue.ts';

/**
 * Newtonsoft.Json.Linq.JContainer: a token with child tokens (JObject,
 * JArray, JProperty, JConstructor). Added content follows Newtonsoft:
 * tokens that already have a parent are copied, plain values become JValues,
 * arrays and other non-string enumerables add each item.
 */
export abstract class JContainer extends JToken {
  protected readonly items: JToken[] = [];

  override Children(): JToken[] {
    return this.items.slice();
  }

  override get HasValues(): boolean {
    return this.items.length > 0;
  }

  override get First(): JToken | null {
    return this.items[0] ?? null;
  }

  override get Last(): JToken | null {
    return this.items.at(-1) ?? null;
  }

  get Count(): number {
    return this.items.length;
  }

  Add(...content: unknown[]): void {
    this.insertContent(this.items.length, content);
  }

  AddFirst(...content: unknown[]): void {
    this.insertContent(0, content);
  }

  RemoveAll(): void {
    for (const item of this.items) {
      item.Parent = null;
      this.onItemRemoved(item);
    }
    this.items.length = 0;
  }

  ReplaceAll(...content: unknown[]): void {
    this.RemoveAll();
    this.Add(...content);
  }

  Descendants(): JToken[] {
    const result: JToken[] = [];
    for (const item of this.items) {
      result.push(item);
      if (item instanceof JContainer) result.push(...item.Descendants());
    }
    return result;
  }

  DescendantsAndSelf(): JToken[] {
    return [this, ...this.Descendants()];
  }

  override deepEquals(other: JToken): boolean {
    if (other.Type !== this.Type) return false;
    const theirs = other.Children();
    return theirs.length === this.items.length && this.items.every((item, i) => item.deepEquals(theirs[i]!));
  }

  /** Inserts content at `index` (C# `params object[]` flattening included). */
  insertContent(index: number, content: readonly unknown[]): void {
    let at = index;
    for (const token of flattenContent(content)) {
      this.insertItem(at, token);
      at += 1;
    }
  }

  removeChild(token: JToken): boolean {
    const index = this.items.indexOf(token);
    if (index < 0) return false;
    this.items.splice(index, 1);
    token.Parent = null;
    this.onItemRemoved(token);
    return true;
  }

  replaceChild(token: JToken, content: unknown): void {
    const index = this.items.indexOf(token);
    if (index < 0) return;
    const replacement = adopt(toToken(content));
    this.validateItem(replacement, token);
    this.items[index] = replacement;
    replacement.Parent = this;
    token.Parent = null;
    this.onItemRemoved(token);
    this.onItemAdded(replacement);
  }

  protected insertItem(index: number, token: JToken): void {
    const item = adopt(token);
    this.validateItem(item, null);
    this.items.splice(index, 0, item);
    item.Parent = this;
    this.onItemAdded(item);
  }

  /** Throws when this container cannot hold `item` (JObject only holds properties …). */
  protected abstract validateItem(item: JToken, replacing: JToken | null): void;

  /** Lets JObject keep its name index in step. */
  protected onItemAdded(_item: JToken): void {}

  protected onItemRemoved(_item: JToken): void {}

  protected cannotAdd(item: JToken): DotNetException {
    return new DotNetException('ArgumentException', `Can not add Newtonsoft.Json.Linq.${item.constructor.name} to Newtonsoft.Json.Linq.${this.constructor.name}.`);
  }
}

/** A token added to a second container is copied, as in Newtonsoft. */
function adopt(token: JToken): JToken {
  return token.Parent ? token.DeepClone() : token;
}

/** Newtonsoft's CreateFromContent: tokens as they are, anything else in a JValue. */
export function toToken(content: unknown): JToken {
  return content instanceof JToken ? content : new JValue(content);
}

function* flattenContent(content: readonly unknown[]): Generator<JToken> {
  for (const item of content) {
    if (isMultiContent(item)) yield* flattenContent([...item]);
    else yield toToken(item);
  }
}

/** Enumerables other than strings, bytes and tokens add their items one by one. */
export function isMultiContent(content: unknown): content is Iterable<unknown> {
  return (
    typeof content === 'object' && content !== null && !(content instanceof JToken) && !(content instanceof Uint8Array) && Symbol.iterator in content
  );
}
