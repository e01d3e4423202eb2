/** Objects made by `new { a = 1 }`. */
import { str } from './strings.ts';

/** Its own members are readable by any name; JSON serialisation (JObject.FromObject) treats it as a plain object. */
export class AnonymousObject {
  ToString(): string {
    const members = Object.entries(this).map(([k, v]) => `${k} = ${str(v)}`);
    return members.length ? `{ ${members.join(', ')} }` : '{ }';
  }
}

export function anonymous(members: Record<string, unknown>): AnonymousObject {
  return Object.assign(new AnonymousObject(), members);
}
