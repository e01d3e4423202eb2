import type { RequestContext } from '../../context/request-context.ts';
import { customMetrics } from '../../../telemetry/custom-metrics.ts';
import type { PolicyDefinition, ValueOf } from '../../types.ts';
import { childrenNamed } from '../shared/attributes.ts';

/**
 * emit-metric (APIM-REFERENCE §4): records a custom metric sample in the
 * in-process recorder (src/telemetry/custom-metrics.ts). A dimension without
 * a value takes one of APIM's default dimensions from the request.
 */

const DEFAULT_DIMENSIONS: Record<string, (context: RequestContext) => string> = {
  'api id': (context) => context.route.api.Id,
  'operation id': (context) => context.route.operation?.Id ?? '',
  'product id': (context) => context.route.product?.Id ?? '',
  'user id': () => '',
  'subscription id': (context) => context.route.subscription?.Id ?? '',
  location: (context) => context.route.deployment.Region,
  'gateway id': (context) => context.route.deployment.GatewayId,
};

const MAX_CUSTOM_DIMENSIONS = 10;

export const emitMetric: PolicyDefinition = {
  name: 'emit-metric',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['name', 'namespace', 'value'],
  compile(element, compiler) {
    const name = compiler.literal(element, 'name');
    const namespace = compiler.optionalLiteral(element, 'namespace') ?? 'API Management';
    const valueText = compiler.optionalString(element, 'value');
    const constantValue = element.attributes.get('value')?.value.trim();
    if (constantValue !== undefined && !constantValue.startsWith('@') && !Number.isFinite(Number(constantValue))) {
      compiler.fail(`emit-metric: value must be a number, found "${constantValue}"`, element.attributes.get('value'));
    }
    const dimensions: { name: string; value: ValueOf<string> }[] = [];
    let custom = 0;
    for (const child of childrenNamed(element, compiler, ['dimension'])) {
      const dimensionName = compiler.literal(child, 'name');
      const value = compiler.optionalString(child, 'value');
      const fallback = DEFAULT_DIMENSIONS[dimensionName.toLowerCase()];
      if (value === undefined && fallback === undefined) {
        compiler.fail(`emit-metric: dimension "${dimensionName}" needs a value (only ${Object.keys(DEFAULT_DIMENSIONS).join(', ')} have defaults)`, child);
      }
      if (fallback === undefined && ++custom > MAX_CUSTOM_DIMENSIONS) compiler.fail(`emit-metric: at most ${MAX_CUSTOM_DIMENSIONS} custom dimensions`, child);
      dimensions.push({ name: dimensionName, value: value ?? fallback! });
    }
    if (dimensions.length === 0) compiler.fail('emit-metric: at least one <dimension> is required', element);
    return (context) => {
      const value = valueText === undefined ? 1 : Number(valueText(context));
      if (!Number.isFinite(value)) throw new Error(`emit-metric: value of metric "${name}" is not a number`);
      const values: Record<string, string> = {};
      for (const dimension of dimensions) values[dimension.name] = dimension.value(context);
      customMetrics.record({ namespace, name, dimensions: values, value });
    };
  },
};
