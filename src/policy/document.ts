import { formatLocation, PolicyCompileError } from './diagnostics.ts';
import { ElementCompiler, type NestedCompiler } from './compiler.ts';
import type { PolicyRegistry } from './registry.ts';
import type { PolicyServices } from './services.ts';
import { SECTIONS, type PolicyElement, type PolicyStep, type Scope, type Section, type StepOrigin } from './types.ts';
import { closest } from '../text.ts';

/**
 * One scope's policy document → per section, compiled steps and where
 * `<base/>` puts the parent scope's steps. Structural elements are handled
 * here: sections, `<base/>`, `<include-fragment>` (the fragment's policies
 * compiled in place); every other element goes to its registered definition.
 * Each problem is recorded and compiling goes on, so one pass finds them all.
 */

export interface SectionTemplate {
  readonly steps: readonly PolicyStep[];
  /** Where the parent scope's steps go; -1 when there is no `<base/>` (the parent is dropped). */
  readonly baseAt: number;
  /** The section element is absent from the document: everything is inherited. */
  readonly missing: boolean;
}

export type DocumentTemplate = Readonly<Record<Section, SectionTemplate>>;

export const INHERITED: SectionTemplate = { steps: [], baseAt: 0, missing: true };
export const INHERIT_ALL: DocumentTemplate = { inbound: INHERITED, backend: INHERITED, outbound: INHERITED, 'on-error': INHERITED };

/** Parsed fragments by id; null marks one whose own errors are already reported. */
export type FragmentLibrary = ReadonlyMap<string, readonly PolicyElement[] | null>;

interface ListPlace {
  readonly scope: Scope;
  readonly section: Section;
  /** Path of the element holding the list ('' for a section). */
  readonly path: string;
  /** Directly in a section: the only place `<base/>` may be. */
  readonly topLevel: boolean;
  /** Compiling a fragment's policies: fragments cannot include fragments. */
  readonly inFragment: boolean;
}

const ID = 'id';
const FORWARD_REQUEST = 'forward-request';

export class DocumentCompiler implements NestedCompiler {
  readonly services: PolicyServices;
  readonly registry: PolicyRegistry;
  readonly fragments: FragmentLibrary;
  readonly errors: PolicyCompileError[];
  /** forward-request steps with default attributes (the data plane may stream around them). */
  readonly plainForwards = new WeakSet<PolicyStep>();
  /** Fragment ids some document includes. */
  readonly included = new Set<string>();
  readonly #fragmentPlaces = new WeakMap<StepOrigin, boolean>();

  constructor(services: PolicyServices, registry: PolicyRegistry, fragments: FragmentLibrary, errors: PolicyCompileError[]) {
    this.services = services;
    this.registry = registry;
    this.fragments = fragments;
    this.errors = errors;
  }

  #record(error: unknown): void {
    if (!(error instanceof PolicyCompileError)) throw error;
    this.errors.push(error);
  }

  /** A `<policies>` document at one scope. */
  document(root: PolicyElement, scope: Scope): DocumentTemplate {
    if (root.name !== 'policies') {
      this.errors.push(new PolicyCompileError(
        root.name === 'fragment' ? 'a policy fragment (<fragment>) cannot be a scope\'s policy document; expected <policies>' : `expected <policies> as the root element, found <${root.name}>`,
        root.location,
      ));
      return INHERIT_ALL;
    }
    const found = new Map<Section, PolicyElement>();
    const template: Record<Section, SectionTemplate> = { ...INHERIT_ALL };
    for (const child of root.children) {
      const section = SECTIONS.find((s) => s === child.name);
      if (section === undefined) {
        const near = closest(child.name, SECTIONS);
        this.errors.push(new PolicyCompileError(`unknown section <${child.name}>${near ? `; did you mean <${near}>?` : ''}; a policy document holds <inbound>, <backend>, <outbound> and <on-error>`, child.location));
        continue;
      }
      const earlier = found.get(section);
      if (earlier) {
        this.errors.push(new PolicyCompileError(`section <${section}> appears twice (first at ${formatLocation(earlier.location)})`, child.location));
        continue;
      }
      found.set(section, child);
      template[section] = this.section(child, scope, section);
    }
    return template;
  }

  section(element: PolicyElement, scope: Scope, section: Section): SectionTemplate {
    const place: ListPlace = { scope, section, path: '', topLevel: true, inFragment: false };
    const { steps, baseAt } = this.list(element.children, place);
    return { steps, baseAt, missing: false };
  }

  compileNested(elements: readonly PolicyElement[], parent: StepOrigin, pathPrefix: string): readonly PolicyStep[] {
    const path = pathPrefix ? `${parent.path}/${pathPrefix}` : parent.path;
    const inFragment = this.#fragmentPlaces.get(parent) ?? false;
    return this.list(elements, { scope: parent.scope, section: parent.section, path, topLevel: false, inFragment }).steps;
  }

  list(elements: readonly PolicyElement[], place: ListPlace): { steps: PolicyStep[]; baseAt: number } {
    const steps: PolicyStep[] = [];
    const counts = new Map<string, number>();
    let base: PolicyElement | undefined;
    let baseAt = -1;
    for (const element of elements) {
      const index = (counts.get(element.name) ?? 0) + 1;
      counts.set(element.name, index);
      const path = `${place.path ? `${place.path}/` : ''}${element.name}[${index}]`;
      if (element.name === 'base') {
        if (!place.topLevel) this.errors.push(new PolicyCompileError('<base/> may only appear directly in a section', element.location));
        else if (base) this.errors.push(new PolicyCompileError(`<base/> appears twice in <${place.section}> (first at ${formatLocation(base.location)})`, element.location));
        else {
          base = element;
          baseAt = steps.length;
        }
        continue;
      }
      if (element.name === 'include-fragment') {
        steps.push(...this.#include(element, place, path));
        continue;
      }
      const step = this.#step(element, place, path);
      if (step) steps.push(step);
    }
    return { steps, baseAt };
  }

  #include(element: PolicyElement, place: ListPlace, path: string): readonly PolicyStep[] {
    try {
      if (place.inFragment) throw new PolicyCompileError('a fragment cannot include another fragment', element.location);
      this.#checkAttributes(element, ['fragment-id']);
      const attribute = element.attributes.get('fragment-id');
      if (attribute === undefined) throw new PolicyCompileError('include-fragment: attribute "fragment-id" is required', element.location);
      const id = attribute.value.trim();
      const fragment = this.fragments.get(id);
      if (fragment === undefined) {
        const near = closest(id, [...this.fragments.keys()]);
        throw new PolicyCompileError(`unknown policy fragment "${id}"${near ? `; did you mean "${near}"?` : this.fragments.size === 0 ? ' (no fragments are defined)' : ''}`, attribute.location);
      }
      this.included.add(id);
      if (fragment === null) return [];
      return this.list(fragment, { ...place, path, topLevel: false, inFragment: true }).steps;
    } catch (error) {
      this.#record(error);
      return [];
    }
  }

  #checkAttributes(element: PolicyElement, allowed: readonly string[]): void {
    for (const attribute of element.attributes.values()) {
      if (attribute.name === ID || allowed.includes(attribute.name)) continue;
      const near = closest(attribute.name, allowed);
      throw new PolicyCompileError(`${element.name}: unknown attribute "${attribute.name}"${near ? `; did you mean "${near}"?` : allowed.length ? `; allowed: ${allowed.join(', ')}` : ' (it takes none)'}`, attribute.location);
    }
  }

  #step(element: PolicyElement, place: ListPlace, path: string): PolicyStep | undefined {
    try {
      if (element.name === 'when' || element.name === 'otherwise') throw new PolicyCompileError(`<${element.name}> may only appear inside <choose>`, element.location);
      const problem = this.registry.problem(element.name);
      if (problem !== undefined) throw new PolicyCompileError(problem, element.location);
      const definition = this.registry.get(element.name)!;
      if (!definition.sections.includes(place.section)) {
        throw new PolicyCompileError(`${element.name} is not allowed in ${place.section} (only in ${definition.sections.join(', ')})`, element.location);
      }
      if (definition.attributes) this.#checkAttributes(element, definition.attributes);
      const origin: StepOrigin = { policy: element.name, scope: place.scope, section: place.section, path, id: element.attributes.get(ID)?.value, location: element.location };
      if (place.inFragment) this.#fragmentPlaces.set(origin, true);
      const compiler = new ElementCompiler(this.services, origin, this);
      const compiled = definition.compile(element, compiler);
      const run = typeof compiled === 'function' ? compiled : compiled.run;
      const usesBody = compiler.usesBody || (typeof compiled === 'function' ? false : compiled.usesBody === true);
      const step: PolicyStep = { origin, usesBody, run };
      if (element.name === FORWARD_REQUEST && [...element.attributes.keys()].every((name) => name === ID)) this.plainForwards.add(step);
      return step;
    } catch (error) {
      this.#record(error);
      return undefined;
    }
  }
}
