import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement } from '../../types.ts';
import { childrenNamed, isExpression, literalBoolean } from '../shared/attributes.ts';

/**
 * cors (APIM-REFERENCE §4). A preflight (OPTIONS with Origin) is answered by
 * the policy itself: 200 with the Access-Control-* headers when origin,
 * method and headers are allowed, else an empty 200 without them. Other
 * requests from an allowed origin get Access-Control-Allow-Origin (+
 * credentials, expose-headers) on the final response; a simple GET/HEAD from
 * an unmatched origin is answered with an empty 200 when
 * terminate-unmatched-request is true.
 *
 * `Vary: Origin` is added whenever the allowed origin is echoed rather than
 * `*` — the Fetch standard's rule for caches; what APIM sends here is
 * unverified (no capture or doc found).
 *
 * Approximation: APIM lets an unmatched preflight fall through to another cors
 * policy in the same section; apimgw answers it here (the documented final
 * outcome, an empty 200, is the same when there is no second cors).
 */

interface CorsRules {
  readonly anyOrigin: boolean;
  readonly origins: ReadonlySet<string>;
  readonly anyMethod: boolean;
  readonly methods: ReadonlySet<string>;
  readonly anyHeader: boolean;
  readonly headers: ReadonlySet<string>;
  readonly exposeHeaders: string;
  readonly allowCredentials: boolean;
  readonly terminateUnmatched: boolean;
  readonly maxAge: number;
}

const SECTIONS = ['allowed-origins', 'allowed-methods', 'allowed-headers', 'expose-headers'];

/** `https://Example.com:443/` → `https://example.com`; undefined when not an origin. */
export function normaliseOrigin(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url.origin;
}

function texts(element: PolicyElement | undefined, childName: string, compiler: PolicyCompiler): string[] {
  if (element === undefined) return [];
  return childrenNamed(element, compiler, [childName]).map((child) => {
    if (isExpression(child.text)) compiler.fail(`cors: <${childName}> values cannot be policy expressions`, child.text);
    const value = child.text?.value.trim() ?? '';
    if (value === '') compiler.fail(`cors: <${childName}> must not be empty`, child);
    return value;
  });
}

function compileRules(element: PolicyElement, compiler: PolicyCompiler): CorsRules {
  const children = childrenNamed(element, compiler, SECTIONS);
  const find = (name: string): PolicyElement | undefined => {
    const found = children.filter((child) => child.name === name);
    if (found.length > 1) compiler.fail(`cors: <${name}> may appear only once`, found[1]);
    return found[0];
  };
  const originsElement = find('allowed-origins');
  if (originsElement === undefined) compiler.fail('cors: <allowed-origins> is required', element);
  const originTexts = texts(originsElement, 'origin', compiler);
  if (originTexts.length === 0) compiler.fail('cors: <allowed-origins> needs at least one <origin>', originsElement);
  const origins = new Set<string>();
  for (const [index, text] of originTexts.entries()) {
    if (text === '*') continue;
    const origin = normaliseOrigin(text);
    if (origin === undefined) compiler.fail(`cors: origin "${text}" must be * or scheme://host[:port]`, originsElement!.children[index]);
    origins.add(origin);
  }
  const methodsElement = find('allowed-methods');
  const methodTexts = methodsElement === undefined ? ['GET', 'POST'] : texts(methodsElement, 'method', compiler);
  const headerTexts = texts(find('allowed-headers'), 'header', compiler);
  const maxAgeText = methodsElement === undefined ? undefined : compiler.optionalLiteral(methodsElement, 'preflight-result-max-age');
  const maxAge = maxAgeText === undefined ? 0 : Number(maxAgeText.trim());
  if (!Number.isInteger(maxAge) || maxAge < 0) compiler.fail(`cors: preflight-result-max-age must be a whole number of seconds, found "${maxAgeText}"`, methodsElement!.attributes.get('preflight-result-max-age'));
  return {
    anyOrigin: originTexts.includes('*'),
    origins,
    anyMethod: methodTexts.includes('*'),
    methods: new Set(methodTexts.map((method) => method.toUpperCase())),
    anyHeader: headerTexts.includes('*'),
    headers: new Set(headerTexts.map((header) => header.toLowerCase())),
    exposeHeaders: texts(find('expose-headers'), 'header', compiler).join(','),
    allowCredentials: literalBoolean(element, compiler, 'allow-credentials', false),
    terminateUnmatched: literalBoolean(element, compiler, 'terminate-unmatched-request', false),
    maxAge,
  };
}

export const cors: PolicyDefinition = {
  name: 'cors',
  sections: ['inbound'],
  attributes: ['allow-credentials', 'terminate-unmatched-request'],
  compile(element, compiler) {
    const rules = compileRules(element, compiler);
    return (context) => {
      const request = context.request;
      const origin = request.headers.joined('origin');
      if (origin === undefined) return;
      const allowedOrigin = allowOriginValue(rules, origin);
      if (request.method.toUpperCase() === 'OPTIONS') {
        answerPreflight(context, rules, allowedOrigin);
        return;
      }
      if (allowedOrigin === undefined) {
        const method = request.method.toUpperCase();
        if (rules.terminateUnmatched && (method === 'GET' || method === 'HEAD')) answer(context, []);
        return;
      }
      context.beforeResponse.push((final) => {
        const headers = final.response.headers;
        headers.set('Access-Control-Allow-Origin', [allowedOrigin]);
        if (rules.allowCredentials) headers.set('Access-Control-Allow-Credentials', ['true']);
        if (rules.exposeHeaders !== '') headers.set('Access-Control-Expose-Headers', [rules.exposeHeaders]);
        if (allowedOrigin !== '*') addVaryOrigin(final);
      });
    };
  },
};

/** The Access-Control-Allow-Origin value for a request origin, or undefined when not allowed. */
function allowOriginValue(rules: CorsRules, origin: string): string | undefined {
  if (rules.anyOrigin) return rules.allowCredentials ? origin : '*';
  const normalised = normaliseOrigin(origin);
  return normalised !== undefined && rules.origins.has(normalised) ? origin : undefined;
}

function answerPreflight(context: RequestContext, rules: CorsRules, allowedOrigin: string | undefined): void {
  const headers = context.request.headers;
  const method = headers.joined('access-control-request-method')?.trim().toUpperCase();
  const requestedHeaders = (headers.joined('access-control-request-headers') ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  const methodAllowed = method === undefined || rules.anyMethod || rules.methods.has(method);
  const headersAllowed = rules.anyHeader || requestedHeaders.every((name) => rules.headers.has(name.toLowerCase()));
  if (allowedOrigin === undefined || !methodAllowed || !headersAllowed) {
    answer(context, []);
    return;
  }
  const out: [string, string][] = [['Access-Control-Allow-Origin', allowedOrigin]];
  if (rules.allowCredentials) out.push(['Access-Control-Allow-Credentials', 'true']);
  if (method !== undefined) out.push(['Access-Control-Allow-Methods', method]);
  if (requestedHeaders.length > 0) out.push(['Access-Control-Allow-Headers', requestedHeaders.join(',')]);
  if (rules.maxAge > 0) out.push(['Access-Control-Max-Age', String(rules.maxAge)]);
  if (allowedOrigin !== '*') out.push(['Vary', 'Origin']);
  answer(context, out);
}

/** An empty 200 OK with the given headers; the pipeline ends. */
function answer(context: RequestContext, headers: readonly [string, string][]): void {
  context.response.reset(200, 'OK', null);
  for (const [name, value] of headers) context.response.headers.set(name, [value]);
  context.end();
}

function addVaryOrigin(context: RequestContext): void {
  const headers = context.response.headers;
  const existing = headers.joined('vary');
  if (existing === undefined) headers.set('Vary', ['Origin']);
  else if (!existing.split(',').some((token) => token.trim().toLowerCase() === 'origin' || token.trim() === '*')) headers.set('Vary', [`${existing}, Origin`]);
}
