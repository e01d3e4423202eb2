import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { PolicyFailure } from '../../failure.ts';
import type { PolicyDefinition } from '../../types.ts';
import { childrenNamed, isExpression } from '../shared/attributes.ts';

/**
 * ip-filter (APIM-REFERENCE §1.2, §4): allows only, or forbids, the listed
 * caller addresses and ranges (IPv4 and IPv6). The list is built once into a
 * node:net BlockList. Refusals are 403 with APIM's texts.
 */

/** `::ffff:10.0.0.1` (a v4 client on a dual-stack socket) → `10.0.0.1`. */
export function normaliseAddress(address: string): string {
  const trimmed = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1]! : trimmed;
}

function family(address: string): 'ipv4' | 'ipv6' | undefined {
  return isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
}

export const ipFilter: PolicyDefinition = {
  name: 'ip-filter',
  sections: ['inbound'],
  attributes: ['action'],
  compile(element, compiler) {
    const action = compiler.choice(element, 'action', ['allow', 'forbid']);
    const list = new BlockList();
    const children = childrenNamed(element, compiler, ['address', 'address-range']);
    if (children.length === 0) compiler.fail('ip-filter: at least one <address> or <address-range> is required', element);
    const literalAddress = (value: string | undefined, at: Parameters<typeof compiler.fail>[1]): { address: string; type: 'ipv4' | 'ipv6' } => {
      const address = normaliseAddress(value ?? '');
      const type = family(address);
      if (type === undefined) return compiler.fail(`ip-filter: "${value ?? ''}" is not an IPv4 or IPv6 address`, at);
      return { address, type };
    };
    for (const child of children) {
      if (child.name === 'address') {
        if (isExpression(child.text)) compiler.fail('ip-filter: addresses cannot be policy expressions', child.text);
        const { address, type } = literalAddress(child.text?.value, child.text ?? child);
        list.addAddress(address, type);
        continue;
      }
      const from = literalAddress(compiler.literal(child, 'from'), child.attributes.get('from'));
      const to = literalAddress(compiler.literal(child, 'to'), child.attributes.get('to'));
      if (from.type !== to.type) compiler.fail('ip-filter: an address range must have both ends in the same family (IPv4 or IPv6)', child);
      try {
        list.addRange(from.address, to.address, from.type);
      } catch {
        compiler.fail(`ip-filter: address range from ${from.address} to ${to.address} is empty (from is after to)`, child);
      }
    }
    return (context) => {
      const caller = normaliseAddress(context.request.ipAddress);
      const type = family(caller);
      if (type === undefined) throw new PolicyFailure(403, 'FailedToParseCallerIP', 'Failed to establish IP address for the caller. Access denied.');
      const listed = list.check(caller, type);
      if (action === 'allow' && !listed) throw new PolicyFailure(403, 'CallerIpNotAllowed', `Caller IP address ${caller} is not allowed. Access denied.`);
      if (action === 'forbid' && listed) throw new PolicyFailure(403, 'CallerIpBlocked', 'Caller IP address is blocked. Access denied.');
    };
  },
};
