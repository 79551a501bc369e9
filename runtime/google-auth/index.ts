// Google Cloud auth for Gemini on Vertex AI: OAuth access tokens from a service-account key file
// (`Authorization: Bearer …`). The Gemini API (AI Studio) needs none of this: it takes an API key in
// `x-goog-api-key`.
export { createServiceAccountTokenSource, DEFAULT_SCOPE } from "./token-source.ts";
export type { TokenSource, TokenSourceOptions } from "./token-source.ts";
