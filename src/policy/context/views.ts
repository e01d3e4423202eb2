import type { Api, Operation, Product, Subscription } from '../../config/model.ts';
import { HostDictionary } from './dictionary.ts';
import { MessageUrl } from './url.ts';

/**
 * The read-only entity views of the context model (context.Api, Operation,
 * Product, Subscription, User, Deployment, LastError), built once per
 * snapshot so a request allocates none of them.
 */

export interface ApiView {
  readonly Id: string;
  readonly Name: string;
  readonly Path: string;
  readonly Protocols: readonly string[];
  readonly Revision: string;
  readonly Version: string | null;
  readonly IsCurrentRevision: boolean;
  readonly ServiceUrl: MessageUrl | null;
  readonly SubscriptionKeyParameterNames: { readonly Header: string; readonly Query: string };
}

export function apiView(api: Api): ApiView {
  return Object.freeze({
    Id: api.id,
    Name: api.name ?? api.id,
    Path: api.path,
    Protocols: api.protocols,
    Revision: api.apiRevision,
    Version: api.apiVersion ?? null,
    IsCurrentRevision: api.isCurrent,
    ServiceUrl: api.serviceUrl ? MessageUrl.parse(api.serviceUrl) : null,
    SubscriptionKeyParameterNames: Object.freeze({ Header: api.subscriptionKeyParameterNames.header, Query: api.subscriptionKeyParameterNames.query }),
  });
}

export interface OperationView {
  readonly Id: string;
  readonly Name: string;
  readonly Method: string;
  readonly UrlTemplate: string;
}

export function operationView(operation: Operation): OperationView {
  return Object.freeze({ Id: operation.id, Name: operation.name ?? operation.id, Method: operation.method.toUpperCase(), UrlTemplate: operation.urlTemplate });
}

export interface ProductView {
  readonly Id: string;
  readonly Name: string;
  readonly State: 'Published' | 'NotPublished';
  readonly SubscriptionRequired: boolean;
  readonly ApprovalRequired: boolean;
  readonly SubscriptionLimit: number | null;
  readonly Apis: readonly ApiView[];
  readonly Groups: readonly { Id: string; Name: string }[];
}

export function productView(product: Product, apis: readonly ApiView[]): ProductView {
  return Object.freeze({
    Id: product.id,
    Name: product.name ?? product.id,
    State: product.state === 'published' ? 'Published' : 'NotPublished',
    SubscriptionRequired: product.subscriptionRequired,
    ApprovalRequired: false,
    SubscriptionLimit: null,
    Apis: apis,
    Groups: [],
  });
}

export interface SubscriptionView {
  readonly Id: string;
  readonly Name: string;
  /** The key this request used. */
  readonly Key: string;
  readonly PrimaryKey: string | null;
  readonly SecondaryKey: string | null;
  readonly CreatedDate: null;
  readonly StartDate: null;
  readonly EndDate: null;
}

/** One view per key of a subscription, so `Key` is right without a per-request object. */
export function subscriptionViews(subscription: Subscription): { primary?: SubscriptionView; secondary?: SubscriptionView } {
  const view = (key: string): SubscriptionView => Object.freeze({
    Id: subscription.id,
    Name: subscription.name ?? subscription.id,
    Key: key,
    PrimaryKey: subscription.primaryKey ?? null,
    SecondaryKey: subscription.secondaryKey ?? null,
    CreatedDate: null,
    StartDate: null,
    EndDate: null,
  });
  return {
    primary: subscription.primaryKey ? view(subscription.primaryKey) : undefined,
    secondary: subscription.secondaryKey ? view(subscription.secondaryKey) : undefined,
  };
}

export interface DeploymentView {
  readonly GatewayId: string;
  readonly Region: string;
  readonly ServiceName: string;
  readonly ServiceId: string;
  /** No certificates are uploaded to a snapshot yet: an empty dictionary. */
  readonly Certificates: HostDictionary<never>;
}

export function deploymentView(gatewayId: string, region: string, serviceName: string): DeploymentView {
  return Object.freeze({ GatewayId: gatewayId, Region: region, ServiceName: serviceName, ServiceId: serviceName, Certificates: new HostDictionary<never>(false) });
}

/** context.LastError (ProxyError). */
export interface LastError {
  readonly Source: string;
  readonly Reason: string;
  readonly Message: string;
  readonly Scope: string;
  readonly Section: string;
  readonly Path: string;
  readonly PolicyId: string;
}
