import type { PolicyAttribute, PolicyCompiler, PolicyElement, ValueOf } from '../../types.ts';

/** An attribute or text written as a policy expression (`@(…)` / `@{…}`) rather than a literal. */
export function isExpression(value: PolicyAttribute | undefined): boolean {
  if (value === undefined) return false;
  const text = value.value.trimStart();
  return text.startsWith('@(') || text.startsWith('@{');
}

/**
 * An attribute restricted to a set of values that may still be an expression
 * (set-header's exists-action): a constant is checked at compile time, an
 * expression's result per request.
 */
export function choiceOrExpression<T extends string>(element: PolicyElement, compiler: PolicyCompiler, attribute: string, allowed: readonly T[], fallback: T): ValueOf<T> {
  const source = element.attributes.get(attribute);
  const message = `${element.name}: ${attribute} must be one of ${allowed.join(', ')}`;
  if (source === undefined) return () => fallback;
  if (!isExpression(source)) {
    const value = source.value.trim() as T;
    if (!allowed.includes(value)) compiler.fail(`${message}; found "${value}"`, source);
    return () => value;
  }
  const evaluate = compiler.string(element, attribute);
  return (context) => {
    const value = evaluate(context) as T;
    if (!allowed.includes(value)) throw new Error(`${message}; found "${value}"`);
    return value;
  };
}

/** The child elements of a policy (or of one of its parts, named in messages after the policy), refusing any not named in `allowed`. */
export function childrenNamed(element: PolicyElement, compiler: PolicyCompiler, allowed: readonly string[]): readonly PolicyElement[] {
  const policy = compiler.origin.policy;
  const where = policy === element.name ? policy : `${policy}: <${element.name}>`;
  for (const child of element.children) {
    if (!allowed.includes(child.name)) compiler.fail(`${where}: unexpected element <${child.name}>; allowed: ${allowed.map((name) => `<${name}>`).join(', ')}`, child);
  }
  return element.children;
}

/** A constant-only attribute holding a boolean (`true`/`false`, case-insensitive as .NET's bool.Parse). */
export function literalBoolean(element: PolicyElement, compiler: PolicyCompiler, attribute: string, fallback: boolean): boolean {
  const value = compiler.optionalLiteral(element, attribute);
  if (value === undefined) return fallback;
  const lower = value.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return compiler.fail(`${element.name}: ${attribute} must be true or false`, element.attributes.get(attribute));
}
