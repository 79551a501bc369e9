// A Google service-account key file (the JSON `gcloud iam service-accounts keys create` writes), read once at
// start. Only the fields the OAuth JWT flow needs are kept; the private key is parsed into a KeyObject right
// away, so a broken key stops start-up instead of the first request. No error quotes the file: it holds
// the private key (JSON.parse's own message would quote part of it).
// @see https://developers.google.com/identity/protocols/oauth2/service-account#httprest
import { createPrivateKey, type KeyObject } from "node:crypto";

export const DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";

export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKey: KeyObject;
  /** Google puts the key's id in the JWT header; optional. */
  readonly privateKeyId: string | undefined;
  readonly tokenUri: string;
}

/** How errors name the account: its email, never anything secret. */
export function describeAccount(clientEmail: string): string {
  return `Google service account ${clientEmail}`;
}

function field(key: Record<string, unknown>, name: string): string | undefined {
  const value = key[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function parseServiceAccountKey(json: string): ServiceAccountKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error("Google service account key: the credentials file is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("Google service account key: the credentials file is not a JSON object");
  const key = parsed as Record<string, unknown>;
  const clientEmail = field(key, "client_email");
  if (!clientEmail) throw new Error('Google service account key: "client_email" is missing (is this a service-account key file?)');
  const pem = field(key, "private_key");
  if (!pem) throw new Error(`${describeAccount(clientEmail)}: "private_key" is missing from the key file`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    // OpenSSL's messages are fixed text ("DECODER routines::unsupported"), never the key.
    throw new Error(`${describeAccount(clientEmail)}: "private_key" is not a usable PEM private key (${(error as Error).message})`);
  }
  if (privateKey.asymmetricKeyType !== "rsa") throw new Error(`${describeAccount(clientEmail)}: "private_key" is not an RSA key`);
  return { clientEmail, privateKey, privateKeyId: field(key, "private_key_id"), tokenUri: field(key, "token_uri") ?? DEFAULT_TOKEN_URI };
}
