import type { ExtensionMethod } from '../index.ts';
import { XContainer, XElement } from './container.ts';
import { XNode } from './nodes.ts';

/** System.Xml.Linq.Extensions on sequences: `doc.Descendants("a").Elements("b")`, `.Attributes("id")`, `.Remove()`. */
/** An empty sequence qualifies: `doc.Descendants("x").Elements()` is empty, not an error, when nothing matched. */
const isNodeSequence = (target: unknown): boolean => Array.isArray(target) && target.every((item) => item instanceof XNode);
const isElementSequence = (target: unknown): boolean => Array.isArray(target) && target.every((item) => item instanceof XElement);

function onElements(select: (element: XElement, args: unknown[]) => unknown[]): readonly ExtensionMethod[] {
  return [{ appliesTo: isElementSequence, invoke: (target, _types, args) => (target as XElement[]).flatMap((element) => select(element, args)) }];
}

export const XML_EXTENSIONS: Record<string, readonly ExtensionMethod[]> = {
  Elements: onElements((e, [name]) => e.Elements(name)),
  Descendants: onElements((e, [name]) => e.Descendants(name)),
  DescendantsAndSelf: onElements((e, [name]) => e.DescendantsAndSelf(name)),
  Ancestors: onElements((e, [name]) => e.Ancestors(name)),
  AncestorsAndSelf: onElements((e, [name]) => e.AncestorsAndSelf(name)),
  Attributes: onElements((e, [name]) => e.Attributes(name)),
  Nodes: onElements((e) => e.Nodes()),
  DescendantNodes: onElements((e) => e.DescendantNodes()),
  Remove: [
    {
      // List<T>.Remove(item) takes an argument; the XML extension takes none
      appliesTo: (target, args) => args.length === 0 && isNodeSequence(target),
      invoke: (target) => {
        for (const node of [...(target as XNode[])]) if (node.parentContainer instanceof XContainer) node.Remove();
      },
    },
  ],
};
