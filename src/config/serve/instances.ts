import { z } from 'zod';

/**
 * The heartbeat body a gateway sends (DESIGN §5). Only instanceId is required:
 * the rest is reported back as sent, so a newer gateway's extra fields are kept.
 */
export const HeartbeatSchema = z.object({
  instanceId: z.string().min(1).max(200),
  hostname: z.string().max(255).optional(),
  version: z.string().max(100).optional(),
  configRevision: z.string().max(200).nullable().optional(),
  status: z.string().max(100).optional(),
  startedAt: z.string().max(40).optional(),
  lastSyncAt: z.string().max(40).nullable().optional(),
  lastError: z.string().max(4000).nullable().optional(),
}).loose();

export type Heartbeat = z.infer<typeof HeartbeatSchema>;
export type InstanceRecord = Heartbeat & { receivedAt: string };

/** Upper bound on instances remembered per gateway, so a misbehaving client cannot grow memory without end. */
const MAX_INSTANCES_PER_GATEWAY = 1000;

/** The last heartbeat of each gateway instance, in memory: a restarted server learns them again within one heartbeat interval. */
export class InstanceRegistry {
  readonly #byGateway = new Map<string, Map<string, InstanceRecord>>();

  record(gateway: string, heartbeat: Heartbeat, receivedAt: Date): void {
    let instances = this.#byGateway.get(gateway);
    if (!instances) this.#byGateway.set(gateway, (instances = new Map()));
    // Re-inserting moves the instance to the end, so the oldest silent one is the first evicted.
    instances.delete(heartbeat.instanceId);
    instances.set(heartbeat.instanceId, { ...heartbeat, receivedAt: receivedAt.toISOString() });
    if (instances.size > MAX_INSTANCES_PER_GATEWAY) instances.delete(instances.keys().next().value!);
  }

  list(gateway: string): InstanceRecord[] {
    return [...(this.#byGateway.get(gateway)?.values() ?? [])];
  }
}
