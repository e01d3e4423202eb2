import { DotNetException } from '../../host.ts';

/**
 * XName and XNamespace, atomised as in .NET so `==` compares references:
 * `XNamespace.Get(uri).GetName(local)` always returns the same XName.
 * `ns + "local"` is `XNamespace.op_Addition(ns, "local")` and a string used
 * where an XName is expected is `XName.op_Implicit("{uri}local")`.
 */
export class XNamespace {
  readonly NamespaceName: string;
  readonly #names = new Map<string, XName>();

  private constructor(uri: string) {
    this.NamespaceName = uri;
  }

  static readonly #all = new Map<string, XNamespace>();

  static Get(uri: string): XNamespace {
    let namespace = XNamespace.#all.get(uri);
    if (!namespace) {
      namespace = new XNamespace(uri);
      XNamespace.#all.set(uri, namespace);
    }
    return namespace;
  }

  static readonly None = XNamespace.Get('');
  static readonly Xml = XNamespace.Get('http://www.w3.org/XML/1998/namespace');
  static readonly Xmlns = XNamespace.Get('http://www.w3.org/2000/xmlns/');

  GetName(localName: string): XName {
    let name = this.#names.get(localName);
    if (!name) {
      if (!localName) throw new DotNetException('ArgumentException', "The empty string '' is not a valid local name.");
      name = new XName(this, localName);
      this.#names.set(localName, name);
    }
    return name;
  }

  static op_Addition(namespace: XNamespace, localName: string): XName {
    return namespace.GetName(localName);
  }

  static op_Implicit(uri: string): XNamespace {
    return XNamespace.Get(uri);
  }

  ToString(): string {
    return this.NamespaceName;
  }

  toString(): string {
    return this.NamespaceName;
  }
}

export class XName {
  readonly Namespace: XNamespace;
  readonly LocalName: string;

  /** Use XName.Get or XNamespace.GetName: names are atomised. */
  constructor(namespace: XNamespace, localName: string) {
    this.Namespace = namespace;
    this.LocalName = localName;
  }

  get NamespaceName(): string {
    return this.Namespace.NamespaceName;
  }

  /** `XName.Get("{uri}local")` or `XName.Get("local", "uri")`. */
  static Get(expandedName: string, namespaceName?: string): XName {
    if (namespaceName !== undefined) return XNamespace.Get(namespaceName).GetName(expandedName);
    if (expandedName.startsWith('{')) {
      const close = expandedName.indexOf('}');
      if (close < 0) throw new DotNetException('XmlException', `The '{' character, hexadecimal value 0x7B, cannot be included in a name.`);
      return XNamespace.Get(expandedName.slice(1, close)).GetName(expandedName.slice(close + 1));
    }
    return XNamespace.None.GetName(expandedName);
  }

  static op_Implicit(expandedName: string): XName {
    return XName.Get(expandedName);
  }

  ToString(): string {
    return this.NamespaceName ? `{${this.NamespaceName}}${this.LocalName}` : this.LocalName;
  }

  toString(): string {
    return this.ToString();
  }
}

/** Accepts an XName or its expanded string form, as .NET's implicit conversion does. */
export function toXName(name: unknown): XName {
  if (name instanceof XName) return name;
  if (typeof name === 'string') return XName.Get(name);
  throw new DotNetException('ArgumentNullException', "Value cannot be null. (Parameter 'name')");
}
