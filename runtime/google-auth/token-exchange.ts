// One POST to the token endpoint: the signed assertion in, an access token and its lifetime out. A failure
// says what the endpoint said (its `error` and `error_description`, which name the problem, e.g.
// invalid_grant: Invalid JWT Signature) under the account's email; neither the assertion nor any token is
// ever part of an error.
// @see https://developers.google.com/identity/protocols/oauth2/service-account#handlingresponse
import { request } from "undici";

const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const TIMEOUT_MS = 10_000;
const DESCRIPTION_CAP = 200;

export interface AccessToken {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** `who` names the account in errors. */
export async function exchangeAssertion(tokenUri: string, assertion: string, who: string): Promise<AccessToken> {
  const failed = (why: string) => new Error(`${who}: access token request to ${tokenUri} failed: ${why}`);
  let status: number;
  let text: string;
  try {
    const response = await request(tokenUri, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    throw failed((error as Error).message || "network error");
  }
  const body = parseObject(text);
  if (status < 200 || status >= 300) {
    const error = typeof body.error === "string" ? body.error : "";
    const description = typeof body.error_description === "string" ? body.error_description.slice(0, DESCRIPTION_CAP) : "";
    throw failed(`HTTP ${status}${error ? ` ${error}` : ""}${description ? `: ${description}` : ""}`);
  }
  const accessToken = body.access_token;
  if (typeof accessToken !== "string" || accessToken === "") throw failed(`HTTP ${status} without an access_token`);
  const expiresIn = body.expires_in;
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) throw failed(`HTTP ${status} without a valid expires_in`);
  return { accessToken, expiresInSeconds: expiresIn };
}
