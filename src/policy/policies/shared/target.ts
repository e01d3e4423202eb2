import type { RequestContext } from '../../context/request-context.ts';
import type { HeaderDictionary } from '../../context/message.ts';
import type { Section } from '../../types.ts';

/**
 * Which message a header/body policy acts on, fixed by its section at compile
 * time: inbound and backend shape the request going to the backend, outbound
 * and on-error the response going to the client.
 */
export function targetsRequest(section: Section): boolean {
  return section === 'inbound' || section === 'backend';
}

export function headersOf(section: Section): (context: RequestContext) => HeaderDictionary {
  return targetsRequest(section) ? (context) => context.request.headers : (context) => context.response.headers;
}
