import { MessageBody } from '../../context/body.ts';
import type { RequestMessage, ResponseMessage } from '../../context/message.ts';
import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement } from '../../types.ts';
import { isExpression } from '../shared/attributes.ts';
import { targetsRequest } from '../shared/target.ts';
import { bindBody, liquidContext, type XsiNil } from './binding.ts';
import { compileLiquid, LiquidSyntaxError } from './liquid/index.ts';

/**
 * set-body (APIM-REFERENCE §4): replaces the message body with literal text,
 * an expression's result, or a Liquid template's output. The new body is
 * buffered, so Content-Length is recomputed when the message is sent.
 */
export const setBody: PolicyDefinition = {
  name: 'set-body',
  sections: ['inbound', 'backend', 'outbound'],
  attributes: ['template', 'xsi-nil'],
  compile(element, compiler) {
    const { write, usesBody } = compileBodyWriter(element, compiler, { emptyInput: false });
    const messageOf = targetsRequest(compiler.origin.section)
      ? (context: RequestContext) => context.request
      : (context: RequestContext) => context.response;
    return { run: (context) => write(context, messageOf(context)), usesBody };
  },
};

export interface BodyWriter {
  write(context: RequestContext, message: RequestMessage | ResponseMessage): void;
  readonly usesBody: boolean;
}

/**
 * The body a set-body element produces, applied to any message. Inside
 * return-response (`emptyInput`) a Liquid template sees no input body, as in APIM.
 */
export function compileBodyWriter(element: PolicyElement, compiler: PolicyCompiler, options: { emptyInput: boolean }): BodyWriter {
  const template = compiler.optionalLiteral(element, 'template');
  if (template !== undefined && template.trim() !== 'liquid') compiler.fail(`set-body: template must be liquid, got "${template}"`, element.attributes.get('template'));
  const xsiNil = compiler.choice<XsiNil>(element, 'xsi-nil', ['blank', 'null'], 'blank');
  // Markup written directly inside set-body (Liquid producing XML, as real policies do) is body text:
  // the parser hands over the source between the tags as the element's text.
  const source = element.text;

  if (template !== undefined) {
    let liquid;
    try {
      liquid = compileLiquid(source?.value ?? '');
    } catch (error) {
      if (error instanceof LiquidSyntaxError) return compiler.fail(`set-body: liquid template: ${error.message}`, source ?? element);
      throw error;
    }
    const usesBody = !options.emptyInput && /\bbody\b/.test(source?.value ?? '');
    return {
      usesBody,
      write(context, message) {
        const input = usesBody && message.body !== null ? message.body.content.toString('utf8') : '';
        const body = usesBody ? bindBody(message.headers.joined('content-type'), input, xsiNil) : undefined;
        replaceBody(message, liquid.render({ body, context: liquidContext(context) }));
      },
    };
  }

  const text = compiler.text(element) ?? (() => '');
  const usesBody = isExpression(source) && compiler.expression(source!).usesBody;
  return {
    usesBody,
    write(context, message) {
      replaceBody(message, text(context));
    },
  };
}

function replaceBody(message: RequestMessage | ResponseMessage, content: string): void {
  if (message.body === null) message.body = MessageBody.of(content);
  else message.body.replace(content);
}
