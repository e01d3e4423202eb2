import type { RequestContext } from '../../context/request-context.ts';
import { runSteps } from '../../pipeline.ts';
import type { PolicyDefinition, PolicyStep, ValueOf } from '../../types.ts';

interface Branch {
  readonly condition: ValueOf<boolean>;
  readonly steps: readonly PolicyStep[];
}

/**
 * choose (APIM-REFERENCE §4): `<when condition>`+ then an optional
 * `<otherwise>`; the first true condition's policies run, else otherwise's.
 */
export const choose: PolicyDefinition = {
  name: 'choose',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: [],
  compile(element, compiler) {
    const branches: Branch[] = [];
    let otherwise: readonly PolicyStep[] = [];
    let otherwiseSeen = false;
    let whens = 0;
    for (const child of element.children) {
      if (otherwiseSeen) compiler.fail(`choose: <${child.name}> after <otherwise>; <otherwise> must come last`, child);
      if (child.name === 'when') {
        whens++;
        const extra = [...child.attributes.keys()].find((name) => name !== 'condition');
        if (extra !== undefined) compiler.fail(`when: unknown attribute "${extra}"; it takes condition only`, child.attributes.get(extra));
        branches.push({ condition: compiler.boolean(child, 'condition'), steps: compiler.steps(child.children, `when[${whens}]`) });
      } else if (child.name === 'otherwise') {
        if (child.attributes.size > 0) compiler.fail('otherwise: takes no attributes', child.attributes.values().next().value);
        otherwiseSeen = true;
        otherwise = compiler.steps(child.children, 'otherwise[1]');
      } else {
        compiler.fail(`choose: unexpected element <${child.name}>; choose holds <when condition="…"> elements and one <otherwise>`, child);
      }
    }
    if (whens === 0) compiler.fail('choose: at least one <when condition="…"> is required');
    return (context: RequestContext) => {
      for (const branch of branches) {
        if (branch.condition(context)) return runSteps(branch.steps, context);
      }
      return runSteps(otherwise, context);
    };
  },
};
