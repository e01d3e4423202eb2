import { parse } from 'yaml';
import { ApimgwError } from '../errors.ts';
import type { Operation } from './model.ts';

/**
 * Operations from an OpenAPI 3.x or Swagger 2.0 document (YAML or JSON), the
 * way APIM's importer creates them (learn.microsoft.com, "API import
 * restrictions and known issues"):
 * - one operation per path and method; its name is the operationId,
 *   normalised, or method + path when there is none (`get-items`);
 * - path parameters become template parameters;
 * - required query parameters become template parameters too (`?name={name}`)
 *   unless the API says `translateRequiredQueryParameters: query`;
 * - Swagger 2 `basePath`/`host` and OpenAPI `servers` never enter templates:
 *   APIM takes them for serviceUrl on import, and in an extractor's export
 *   they describe the APIM gateway itself, so they are ignored here.
 */

export interface SpecificationOptions {
  /** The API's `translateRequiredQueryParameters`: `template` (APIM's import default) or `query`. */
  requiredQueryParameters?: 'template' | 'query';
}

// APIM does not import `trace` (a PathItem field it lists as unsupported).
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
/** Resource names are at most 80 characters; APIM keeps 4 for a de-duplication suffix. */
const NAME_LENGTH = 76;

type JsonObject = Record<string, unknown>;

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  type?: string;
  values?: string[];
  description?: string;
}

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** APIM's normalisation of an operationId into an operation name: lower case, runs of other characters → `-`, trimmed, 76 characters. */
export function normaliseOperationName(value: string): string {
  return value.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, NAME_LENGTH);
}

/** Follows local `$ref`s (`#/components/parameters/x`, `#/parameters/x`); external files are not supported by APIM either. */
function dereference(document: JsonObject, value: unknown): JsonObject | undefined {
  let current = value;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string' && hops < 16; hops++) {
    const ref: string = current.$ref;
    if (!ref.startsWith('#/')) return undefined;
    current = ref.slice(2).split('/').reduce<unknown>((node, part) => (isObject(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), document);
  }
  return isObject(current) ? current : undefined;
}

function readParameter(document: JsonObject, raw: unknown): Parameter | undefined {
  const value = dereference(document, raw);
  if (!value || typeof value.name !== 'string' || typeof value.in !== 'string') return undefined;
  const schema = dereference(document, value.schema);
  const type = schema?.type ?? value.type;
  const values = schema?.enum ?? value.enum;
  return {
    name: value.name,
    in: value.in,
    required: value.required === true,
    ...(typeof type === 'string' ? { type } : {}),
    ...(Array.isArray(values) ? { values: values.map(String) } : {}),
    ...(typeof value.description === 'string' ? { description: value.description } : {}),
  };
}

/** Path-level parameters, overridden by operation-level ones with the same name and location (OpenAPI's rule). */
function parametersOf(document: JsonObject, item: JsonObject, operation: JsonObject): Parameter[] {
  const merged = new Map<string, Parameter>();
  for (const raw of [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(operation.parameters) ? operation.parameters : [])]) {
    const parameter = readParameter(document, raw);
    if (parameter) merged.set(`${parameter.in}:${parameter.name}`, parameter);
  }
  return [...merged.values()];
}

function parseDocument(text: string, fileName: string): JsonObject {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${fileName}: not valid YAML/JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (!isObject(document) || (document.openapi === undefined && document.swagger === undefined)) {
    throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${fileName}: neither an OpenAPI 3 nor a Swagger 2 document (no "openapi" or "swagger" field)`);
  }
  const version = String(document.openapi ?? document.swagger);
  if (document.openapi !== undefined ? !version.startsWith('3.') : version !== '2.0') {
    throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${fileName}: ${document.openapi !== undefined ? 'openapi' : 'swagger'} version "${version}" is not supported (OpenAPI 3.x or Swagger 2.0)`);
  }
  return document;
}

export function operationsFromSpecification(text: string, fileName: string, options: SpecificationOptions = {}): Operation[] {
  const document = parseDocument(text, fileName);
  const queryInTemplate = options.requiredQueryParameters !== 'query';
  const used = new Set<string>();
  const operations: Operation[] = [];
  // x-ms-paths (an extension APIM supports) holds paths that differ only by their query part.
  const paths = [document.paths, document['x-ms-paths']].filter(isObject).flatMap((p) => Object.entries(p));
  for (const [key, item] of paths) {
    if (!isObject(item)) continue;
    const [rawPath = '', fixedQuery] = key.split('?', 2);
    const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const parameters = parametersOf(document, item, operation);
      const query = fixedQuery === undefined ? [] : fixedQuery.split('&');
      if (queryInTemplate) {
        const inTemplate = new Set([...key.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]));
        for (const p of parameters) {
          if (p.in === 'query' && p.required && !inTemplate.has(p.name)) query.push(`${p.name}={${p.name}}`);
        }
      }
      const urlTemplate = query.length ? `${path}?${query.join('&')}` : path;
      const operationId = typeof operation.operationId === 'string' ? operation.operationId : '';
      const summary = typeof operation.summary === 'string' ? operation.summary.slice(0, 300) : '';
      operations.push({
        id: uniqueName(normaliseOperationName(operationId) || normaliseOperationName(`${method}-${rawPath}`) || method, used),
        name: summary || operationId || undefined,
        method: method.toUpperCase(),
        urlTemplate,
        templateParameters: [...urlTemplate.matchAll(/\{([^}]+)\}/g)].map((m) => {
          const name = m[1]!;
          const declared = parameters.find((p) => p.name === name && (p.in === 'path' || p.in === 'query'));
          return {
            name,
            type: declared?.type ?? 'string',
            required: true,
            ...(declared?.values ? { values: declared.values } : {}),
            ...(declared?.description ? { description: declared.description } : {}),
          };
        }),
      });
    }
  }
  return operations;
}

/** APIM de-duplicates colliding names with `-1`, `-2`, … */
function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 1; used.has(candidate); n++) candidate = `${name}-${n}`;
  used.add(candidate);
  return candidate;
}
