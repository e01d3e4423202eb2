import type { Product, Snapshot, Subscription } from '../config/model.ts';
import type { CompiledApi } from './router.ts';

/**
 * Subscription-key checks, indexed once per snapshot: one map lookup per
 * request. Rules (APIM-REFERENCE §2.5): the query parameter is read only when
 * the header is absent; a key must belong to an active subscription whose
 * scope covers the API (all APIs, the API, or a product holding it); without
 * a key, an open product or an API not requiring subscription lets the call
 * through.
 */

export interface KeyOwner {
  subscription: Subscription;
  /** Which key was used, for context.Subscription.Key and logs. */
  slot: 'primary' | 'secondary';
  product?: Product;
}

export type SubscriptionVerdict =
  | { ok: true; owner?: KeyOwner; product?: Product }
  | { ok: false; reason: 'SubscriptionKeyNotFound' | 'SubscriptionKeyInvalid' };

export class SubscriptionIndex {
  readonly #byKey = new Map<string, { subscription: Subscription; slot: 'primary' | 'secondary' }>();
  readonly #products = new Map<string, Product>();

  constructor(snapshot: Snapshot) {
    for (const product of snapshot.products) this.#products.set(product.id, product);
    for (const subscription of snapshot.subscriptions) {
      if (subscription.primaryKey) this.#byKey.set(subscription.primaryKey, { subscription, slot: 'primary' });
      if (subscription.secondaryKey) this.#byKey.set(subscription.secondaryKey, { subscription, slot: 'secondary' });
    }
  }

  /** `key` is the value the caller sent, undefined when none was sent. */
  check(api: CompiledApi, key: string | undefined): SubscriptionVerdict {
    if (key === undefined) {
      if (api.openProduct) return { ok: true, product: api.openProduct };
      if (!api.api.subscriptionRequired) return { ok: true };
      return { ok: false, reason: 'SubscriptionKeyNotFound' };
    }
    const found = this.#byKey.get(key);
    if (!found || found.subscription.state !== 'active') return { ok: false, reason: 'SubscriptionKeyInvalid' };
    const scope = found.subscription.scope;
    if (scope === '/apis') return { ok: true, owner: found };
    if (scope.startsWith('/apis/')) {
      return scope.slice(6) === api.baseId ? { ok: true, owner: found } : { ok: false, reason: 'SubscriptionKeyInvalid' };
    }
    const productId = scope.slice(10); // '/products/'.length
    if (!api.productIds.has(productId)) return { ok: false, reason: 'SubscriptionKeyInvalid' };
    const product = this.#products.get(productId);
    return { ok: true, owner: { ...found, product }, product };
  }
}
