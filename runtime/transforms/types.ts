// What a route's compiled transforms look like to the runtime. The generator emits one TargetTransforms per
// (route, provider) pair into the route's module (generator/emit/transforms.ts): header rules as straight-line
// functions, body rules as functions with direct property access or precompiled matchers, regexes as module
// constants. The runtime only calls them; a target without transforms has none (one null check per request).

export type Headers = Readonly<Record<string, string>>;

export interface BodyTransform {
  /** JSONPath rules in order (provider's, then route's) on the parsed body, a JSON object; null when none. */
  readonly json: ((body: any) => void) | null;
  /** Raw-text regex replaces in order, on the text as serialised for its receiver; null when none. */
  readonly text: ((text: string) => string) | null;
}

export interface TargetTransforms {
  /**
   * The upstream request's headers from the client's forwardable headers, the provider's own (auth and extra
   * headers) and, for bring-your-own-key routes, the client's key (null when it presented none).
   */
  readonly requestHeaders: ((client: Headers, provider: Headers, clientKey: string | null) => Record<string, string>) | null;
  readonly requestBody: BodyTransform | null;
  /** The headers relayed to the client, from those the gateway would relay. */
  readonly responseHeaders: ((upstream: Headers) => Record<string, string>) | null;
  readonly responseBody: BodyTransform | null;
}

/** A matcher's callback: one selected location, as its parent container and the key in it. */
export type Hit = (parent: any, key: string | number) => void;
