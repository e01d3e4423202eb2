import type { PolicyDefinition } from '../types.ts';
import { authenticationCertificatePolicy } from './authentication-certificate/index.ts';
import { authenticationManagedIdentityPolicy } from './authentication-managed-identity/index.ts';
import { cacheLookupValuePolicy } from './cache-lookup-value/index.ts';
import { cacheLookupPolicy } from './cache-lookup/index.ts';
import { cacheRemoveValuePolicy } from './cache-remove-value/index.ts';
import { cacheStoreValuePolicy } from './cache-store-value/index.ts';
import { cacheStorePolicy } from './cache-store/index.ts';
import { retryPolicy } from './retry/index.ts';
import { sendOneWayRequestPolicy } from './send-one-way-request/index.ts';
import { sendRequestPolicy } from './send-request/index.ts';
import { validateJwtPolicy } from './validate-jwt/index.ts';
import { validateAzureAdTokenPolicy } from './validate-azure-ad-token/index.ts';
import { waitPolicy } from './wait/index.ts';
import { choose } from './choose/index.ts';
import { forwardRequest } from './forward-request/index.ts';
import { limitConcurrency } from './limit-concurrency/index.ts';
import { quotaByKey } from './quota-by-key/index.ts';
import { quota } from './quota/index.ts';
import { rateLimitByKey } from './rate-limit-by-key/index.ts';
import { rateLimit } from './rate-limit/index.ts';
import { checkHeader } from './check-header/index.ts';
import { cors } from './cors/index.ts';
import { authenticationBasic } from './authentication-basic/index.ts';
import { emitMetric } from './emit-metric/index.ts';
import { findAndReplace } from './find-and-replace/index.ts';
import { redirectContentUrls } from './redirect-content-urls/index.ts';
import { logToEventhub } from './log-to-eventhub/index.ts';
import { trace } from './trace/index.ts';
import { jsonToXmlPolicy } from './json-to-xml/index.ts';
import { xmlToJsonPolicy } from './xml-to-json/index.ts';
import { ipFilter } from './ip-filter/index.ts';
import { mockResponse } from './mock-response/index.ts';
import { returnResponse } from './return-response/index.ts';
import { rewriteUri } from './rewrite-uri/index.ts';
import { setBackendService } from './set-backend-service/index.ts';
import { setBody } from './set-body/index.ts';
import { setHeader } from './set-header/index.ts';
import { setMethod } from './set-method/index.ts';
import { setQueryParameter } from './set-query-parameter/index.ts';
import { setStatus } from './set-status/index.ts';
import { setVariable } from './set-variable/index.ts';

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
  setHeader, setQueryParameter, setVariable, setBackendService, rewriteUri, setMethod, setStatus, setBody, returnResponse, mockResponse, checkHeader, ipFilter, cors,
  authenticationManagedIdentityPolicy, validateAzureAdTokenPolicy,
  findAndReplace, redirectContentUrls, authenticationBasic, trace, emitMetric, logToEventhub, jsonToXmlPolicy, xmlToJsonPolicy,
];
