import { parse } from 'yaml';
import { ApimgwError } from '../errors.ts';
import type { Operation } from './model.ts';

/**
 * Operations from an OpenAPI 3 or Swagger 2 document (YAML or JSON), the way
 * APIM imports them: one operation per path and method, the operationId as
 * its id, path parameters as template parameters. Query parameters stay out
 * of the urlTemplate (APIM's importer records them as request parameters, not
 * template parts), and Swagger 2 `basePath` / OpenAPI `servers` belong to the
 * API's serviceUrl, not to the template.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Parameter {
  name?: string;
  in?: string;
  required?: boolean;
  type?: string;
  schema?: { type?: string; enum?: unknown[] };
  enum?: unknown[];
  description?: string;
}

type PathItem = Partial<Record<(typeof METHODS)[number], { operationId?: string; summary?: string; parameters?: Parameter[] }>> & { parameters?: Parameter[] };

/** `GET /items/{id}` → `get-items-id`: stable ids for operations without an operationId. */
function derivedId(method: string, path: string): string {
  const slug = path.toLowerCase().replace(/[{}]/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug ? `${method}-${slug}` : method;
}

export function operationsFromSpecification(text: string, fileName: string): Operation[] {
  let document: { openapi?: string; swagger?: string; paths?: Record<string, PathItem> };
  try {
    document = (parse(text) ?? {}) as typeof document;
  } catch (error) {
    throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${fileName}: not valid YAML/JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof document !== 'object' || (!document.openapi && !document.swagger)) {
    throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${fileName}: neither an OpenAPI 3 nor a Swagger 2 document (no "openapi" or "swagger" field)`);
  }
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!item || typeof item !== 'object') continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])];
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      operations.push({
        id: operation.operationId ?? derivedId(method, path),
        name: operation.summary,
        method: method.toUpperCase(),
        urlTemplate: path.startsWith('/') ? path : `/${path}`,
        templateParameters: names.map((name) => {
          const declared = parameters.find((p) => p.in === 'path' && p.name === name);
          const values = declared?.schema?.enum ?? declared?.enum;
          return {
            name,
            type: declared?.schema?.type ?? declared?.type ?? 'string',
            required: true,
            ...(values ? { values: values.map(String) } : {}),
            ...(declared?.description ? { description: declared.description } : {}),
          };
        }),
      });
    }
  }
  return operations;
}
