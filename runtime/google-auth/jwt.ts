// The signed JWT a service account trades for an access token: RS256 over `header.claims`, both base64url
// JSON; iss is the account, aud the token endpoint, and the assertion is valid for one hour, Google's maximum.
// @see https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests
import { createSign } from "node:crypto";
import type { ServiceAccountKey } from "./service-account.ts";

export const ASSERTION_LIFETIME_SECONDS = 3600;

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function signAssertion(key: ServiceAccountKey, scope: string, nowSeconds: number): string {
  const header = { alg: "RS256", typ: "JWT", ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) };
  const claims = { iss: key.clientEmail, scope, aud: key.tokenUri, iat: nowSeconds, exp: nowSeconds + ASSERTION_LIFETIME_SECONDS };
  const unsigned = `${base64url(header)}.${base64url(claims)}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(key.privateKey).toString("base64url");
  return `${unsigned}.${signature}`;
}
