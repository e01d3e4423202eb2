import pino from 'pino';
import { ElementCompiler, type NestedCompiler } from '../../../src/policy/compiler.ts';
import { MessageBody } from '../../../src/policy/context/body.ts';
import { HostDictionary } from '../../../src/policy/context/dictionary.ts';
import { HeaderDictionary, RequestMessage, ResponseMessage } from '../../../src/policy/context/message.ts';
import { RequestContext } from '../../../src/policy/context/request-context.ts';
import { MessageUrl } from '../../../src/policy/context/url.ts';
import { deploymentView, type ApiView, type OperationView, type ProductView } from '../../../src/policy/context/views.ts';
import { PolicyCompileError } from '../../../src/policy/diagnostics.ts';
import { parsePolicyDocument } from '../../../src/policy/parse.ts';
import { runSteps, StepError } from '../../../src/policy/pipeline.ts';
import type { PolicyServices } from '../../../src/policy/services.ts';
import type { PolicyDefinition, PolicyElement, PolicyStep, Section, StepOrigin } from '../../../src/policy/types.ts';
import { MemoryStore } from '../../../src/state/memory-store.ts';
import type { StateStore } from '../../../src/state/store.ts';

/**
 * Compiles one section's policies from real policy XML (the project's parser
 * and ElementCompiler) with a given set of definitions, and builds request
 * contexts to run them on — for the policies of the outbound-call / auth /
 * cache / retry family until the document compiler's end-to-end entry exists.
 */

export function services(overrides: Partial<PolicyServices> = {}): PolicyServices {
  return {
    snapshot: {} as PolicyServices['snapshot'],
    backends: new Map(),
    forwarder: {} as PolicyServices['forwarder'],
    logger: pino({ level: 'silent' }),
    backendTimeoutSeconds: 30,
    store: overrides.store ?? (new MemoryStore() as StateStore),
    bodyLimitBytes: 4 * 1024 * 1024,
    ...overrides,
  };
}

/** Parses `<policies><{section}>{xml}</{section}></policies>` and compiles the section's policies. */
export function compileSection(xml: string, definitions: readonly PolicyDefinition[], options: { section?: Section; services?: PolicyServices } = {}): PolicyStep[] {
  const section = options.section ?? 'inbound';
  const errors: PolicyCompileError[] = [];
  const root = parsePolicyDocument(`<policies><${section}>${xml}</${section}></policies>`, 'test.xml', new Map(), errors);
  if (errors.length > 0) throw errors[0];
  const sectionElement = root!.children.find((child) => child.name === section)!;
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  const svc = options.services ?? services();
  const nested: NestedCompiler = {
    compileNested(elements, parent, pathPrefix) {
      return compileList(elements, { ...parent }, pathPrefix);
    },
  };
  const compileList = (elements: readonly PolicyElement[], parent: Omit<StepOrigin, 'policy' | 'path' | 'id' | 'location'>, prefix: string): PolicyStep[] => {
    const counts = new Map<string, number>();
    return elements.map((element) => {
      const definition = byName.get(element.name);
      if (!definition) throw new PolicyCompileError(`unknown policy "${element.name}"`, element.location);
      if (!definition.sections.includes(section)) throw new PolicyCompileError(`${element.name} is not allowed in ${section}`, element.location);
      if (definition.attributes) {
        for (const attribute of element.attributes.values()) {
          if (attribute.name !== 'id' && !definition.attributes.includes(attribute.name)) throw new PolicyCompileError(`${element.name}: unknown attribute "${attribute.name}"`, attribute.location);
        }
      }
      const index = (counts.get(element.name) ?? 0) + 1;
      counts.set(element.name, index);
      const origin: StepOrigin = { policy: element.name, scope: parent.scope, section, path: `${prefix}${element.name}[${index}]`, id: element.attributes.get('id')?.value, location: element.location };
      const compiler = new ElementCompiler(svc, origin, nested);
      const compiled = definition.compile(element, compiler);
      const run = typeof compiled === 'function' ? compiled : compiled.run;
      const usesBody = compiler.usesBody || (typeof compiled === 'function' ? false : compiled.usesBody === true);
      return { origin, usesBody, run };
    });
  };
  return compileList(sectionElement.children, { scope: 'api', section }, '');
}

const API: ApiView = Object.freeze({
  Id: 'orders', Name: 'Orders', Path: 'orders', Protocols: ['https'], Revision: '1', Version: null, IsCurrentRevision: true,
  ServiceUrl: null, SubscriptionKeyParameterNames: Object.freeze({ Header: 'Ocp-Apim-Subscription-Key', Query: 'subscription-key' }),
});
const OPERATION: OperationView = Object.freeze({ Id: 'get-order', Name: 'Get order', Method: 'GET', UrlTemplate: '/items/{id}' });

export interface ContextInit {
  method?: string;
  /** The backend URL. */
  url?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  api?: Partial<ApiView>;
  operation?: Partial<OperationView>;
  product?: ProductView | null;
  subscription?: { Id: string; Key: string } | null;
  signal?: AbortSignal;
}

export function requestContext(init: ContextInit = {}): RequestContext {
  const headers = new HeaderDictionary();
  for (const [name, value] of Object.entries(init.headers ?? {})) headers.append(name, Array.isArray(value) ? value : [value]);
  const url = MessageUrl.parse(init.url ?? 'http://backend.test/api/items?x=1');
  const request = new RequestMessage({
    method: init.method ?? 'GET',
    url,
    originalUrl: url.clone(),
    headers,
    body: init.body === undefined ? null : MessageBody.of(init.body),
    ipAddress: '127.0.0.1',
    matchedParameters: new HostDictionary<string>(false),
  });
  return new RequestContext({
    request,
    response: new ResponseMessage(),
    route: {
      api: Object.freeze({ ...API, ...init.api }),
      operation: Object.freeze({ ...OPERATION, ...init.operation }),
      product: init.product ?? null,
      subscription: (init.subscription ?? null) as never,
      deployment: deploymentView('gw', 'local', 'apimgw'),
    },
    requestId: '00000000-0000-0000-0000-000000000001',
    clientGone: (onGone) => init.signal?.addEventListener('abort', onGone),
  });
}

/** Runs steps with the pipeline's runSteps; a failing step's own error is rethrown (not the StepError wrapper). */
export async function run(steps: readonly PolicyStep[], context: RequestContext): Promise<void> {
  try {
    await runSteps(steps, context);
  } catch (error) {
    throw error instanceof StepError ? error.cause : error;
  }
}
