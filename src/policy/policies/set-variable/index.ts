import { JToken } from '../../expression/dotnet/json/jtoken.ts';
import type { PolicyDefinition } from '../../types.ts';
import { isExpression } from '../shared/attributes.ts';

/**
 * set-variable (APIM-REFERENCE §4): stores a value in context.Variables. A
 * literal value is stored as a string; an expression's result keeps its type
 * (int stays a number, a JObject stays a JObject) so
 * `GetValueOrDefault<int>` and friends behave as in APIM.
 */

/** The .NET library types APIM allows besides primitives, byte[] and Newtonsoft tokens. */
const ALLOWED_CLASSES = new Set(['DateTime', 'TimeSpan', 'Guid']);

function storable(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return true;
  if (value instanceof Uint8Array || value instanceof JToken) return true;
  // Arrays: APIM lists only (s)byte[]; other arrays are accepted as well, since
  // refusing them would break documents for no gain (unverified what APIM does).
  if (Array.isArray(value)) return true;
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name !== undefined && ALLOWED_CLASSES.has(name);
}

function typeName(value: unknown): string {
  if (typeof value === 'function') return 'delegate';
  return (value as { constructor?: { name?: string } }).constructor?.name ?? typeof value;
}

export const setVariable: PolicyDefinition = {
  name: 'set-variable',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['name', 'value'],
  compile(element, compiler) {
    const name = compiler.literal(element, 'name');
    const source = element.attributes.get('value');
    if (source === undefined) return compiler.fail('set-variable: attribute "value" is required', element);
    if (!isExpression(source)) {
      const constant = source.value;
      return (context) => {
        context.variables.set(name, constant);
      };
    }
    const expression = compiler.expression(source);
    return {
      usesBody: expression.usesBody,
      run(context) {
        const value = expression(context);
        if (!storable(value)) throw new Error(`set-variable: the value of variable '${name}' has type ${typeName(value)}, which a variable cannot hold`);
        context.variables.set(name, value);
      },
    };
  },
};
