import type { Dispatcher } from 'undici';
import { HeaderDictionary } from '../../context/message.ts';
import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyElement, Section, ValueOf } from '../../types.ts';
import { compileManagedIdentity } from '../authentication-managed-identity/index.ts';
import { certificateOf } from '../authentication-certificate/index.ts';
import { clientCertificateAgent } from '../authentication-certificate/agents.ts';
import { choiceOrExpression } from '../shared/attributes.ts';

/**
 * The request send-request / send-one-way-request build from their children
 * (set-url, set-method, set-header*, set-body, authentication-basic,
 * authentication-certificate, authentication-managed-identity), compiled once
 * into one function per request; it returns a promise only when a child has
 * to wait (a managed identity token), the rest applying in document order after it.
 * mode="copy" starts from the current request (URL, method, headers and —
 * outside outbound, where APIM's copy has none — the buffered body).
 */

export interface Outgoing {
  url: string;
  method: string;
  headers: HeaderDictionary;
  body: Buffer | null;
  dispatcher: Dispatcher | undefined;
}

type Change = (outgoing: Outgoing, context: RequestContext) => void | Promise<void>;

/** Headers the client computes from the message itself. */
const COMPUTED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'host']);

export interface OutgoingBuilder {
  build(context: RequestContext): Outgoing | Promise<Outgoing>;
  /** Copy mode outside outbound reads the request body. */
  usesBody: boolean;
}

export function compileOutgoing(element: PolicyElement, compiler: PolicyCompiler, mode: 'new' | 'copy', section: Section): OutgoingBuilder {
  const policy = element.name;
  const changes: Change[] = [];
  let hasUrl = false;
  for (const child of element.children) {
    switch (child.name) {
      case 'set-url': {
        const url = compiler.text(child) ?? compiler.fail(`${policy}: set-url needs a URL`, child);
        hasUrl = true;
        changes.push((outgoing, context) => {
          outgoing.url = url(context).trim();
        });
        break;
      }
      case 'set-method': {
        const method = compiler.text(child) ?? compiler.fail(`${policy}: set-method needs a method`, child);
        changes.push((outgoing, context) => {
          outgoing.method = method(context).trim().toUpperCase();
        });
        break;
      }
      case 'set-header':
        changes.push(headerChange(child, compiler));
        break;
      case 'set-body': {
        if (child.attributes.has('template')) compiler.fail(`${policy}: set-body templates are not supported inside ${policy}`, child.attributes.get('template'));
        const body = compiler.text(child);
        changes.push((outgoing, context) => {
          outgoing.body = body ? Buffer.from(body(context)) : Buffer.alloc(0);
        });
        break;
      }
      case 'authentication-basic': {
        const username = compiler.string(child, 'username');
        const password = compiler.string(child, 'password');
        changes.push((outgoing, context) => {
          outgoing.headers.set('Authorization', [`Basic ${Buffer.from(`${username(context)}:${password(context)}`).toString('base64')}`]);
        });
        break;
      }
      case 'authentication-certificate': {
        const certificate = certificateOf(child, compiler);
        changes.push((outgoing, context) => {
          outgoing.dispatcher = clientCertificateAgent(certificate(context));
        });
        break;
      }
      case 'authentication-managed-identity': {
        const authorize = compileManagedIdentity(child, compiler, compiler.origin);
        changes.push((outgoing, context) => authorize(context, (value) => outgoing.headers.set('Authorization', [value])));
        break;
      }
      default:
        compiler.fail(`${policy}: <${child.name}> is not supported inside ${policy}`, child);
    }
  }
  if (mode === 'new' && !hasUrl) compiler.fail(`${policy}: set-url is required unless mode="copy"`, element);

  const copyBody = mode === 'copy' && section !== 'outbound';
  const start = mode === 'copy'
    ? (context: RequestContext): Outgoing => {
      const headers = new HeaderDictionary();
      for (const { Key, Value } of context.request.headers) if (!COMPUTED.has(Key.toLowerCase())) headers.set(Key, [...Value]);
      return { url: context.request.url.ToString(), method: context.request.method, headers, body: copyBody ? context.request.body?.content ?? null : null, dispatcher: undefined };
    }
    : (): Outgoing => ({ url: '', method: 'GET', headers: new HeaderDictionary(), body: null, dispatcher: undefined });

  return {
    usesBody: copyBody,
    build(context) {
      const outgoing = start(context);
      for (let index = 0; index < changes.length; index++) {
        const pending = changes[index]!(outgoing, context);
        if (pending) return finishAfter(pending, changes.slice(index + 1), outgoing, context);
      }
      return outgoing;
    },
  };
}

async function finishAfter(pending: Promise<void>, rest: readonly Change[], outgoing: Outgoing, context: RequestContext): Promise<Outgoing> {
  await pending;
  for (const change of rest) await change(outgoing, context);
  return outgoing;
}

function headerChange(element: PolicyElement, compiler: PolicyCompiler): Change {
  const name = compiler.string(element, 'name');
  const action = choiceOrExpression(element, compiler, 'exists-action', ['override', 'skip', 'append', 'delete'] as const, 'override');
  const values: ValueOf<string>[] = element.children.map((child) => {
    if (child.name !== 'value') compiler.fail(`set-header: unexpected element <${child.name}>`, child);
    return compiler.text(child) ?? (() => '');
  });
  return (outgoing, context) => {
    const header = name(context);
    if (COMPUTED.has(header.toLowerCase())) return;
    const chosen = action(context);
    if (chosen === 'delete') {
      outgoing.headers.delete(header);
      return;
    }
    if (chosen === 'skip' && outgoing.headers.has(header)) return;
    const evaluated = values.map((value) => value(context));
    if (chosen === 'append') outgoing.headers.append(header, evaluated);
    else outgoing.headers.set(header, evaluated);
  };
}

