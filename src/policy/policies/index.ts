import type { PolicyDefinition } from '../types.ts';
import { authenticationCertificatePolicy } from './authentication-certificate/index.ts';
import { cacheLookupValuePolicy } from './cache-lookup-value/index.ts';
import { cacheLookupPolicy } from './cache-lookup/index.ts';
import { cacheRemoveValuePolicy } from './cache-remove-value/index.ts';
import { cacheStoreValuePolicy } from './cache-store-value/index.ts';
import { cacheStorePolicy } from './cache-store/index.ts';
import { retryPolicy } from './retry/index.ts';
import { sendOneWayRequestPolicy } from './send-one-way-request/index.ts';
import { sendRequestPolicy } from './send-request/index.ts';
import { validateJwtPolicy } from './validate-jwt/index.ts';
import { waitPolicy } from './wait/index.ts';
import { choose } from './choose/index.ts';
import { forwardRequest } from './forward-request/index.ts';
import { limitConcurrency } from './limit-concurrency/index.ts';
import { quotaByKey } from './quota-by-key/index.ts';
import { quota } from './quota/index.ts';
import { rateLimitByKey } from './rate-limit-by-key/index.ts';
import { rateLimit } from './rate-limit/index.ts';

/**
 * Every policy apimgw implements. Structural elements are not here: sections,
 * `<base/>` and `<include-fragment>` are handled by the document compiler
 * (src/policy/document.ts). Names APIM knows but missing here are rejected
 * as "not supported by apimgw" (src/policy/registry.ts).
 */
export const POLICY_DEFINITIONS: readonly PolicyDefinition[] = [
  validateJwtPolicy, sendRequestPolicy, sendOneWayRequestPolicy, retryPolicy, waitPolicy, cacheLookupPolicy, cacheStorePolicy, cacheLookupValuePolicy, cacheStoreValuePolicy, cacheRemoveValuePolicy, authenticationCertificatePolicy,
  choose,
  forwardRequest,
  rateLimit, rateLimitByKey, quota, quotaByKey, limitConcurrency,
];
