// HTTPS for the gateway's own listener, in one place for every server backend: which certificate and key
// files are in force, read and checked. SWITCHYARD_TLS_CERT / SWITCHYARD_TLS_KEY win over routes.yaml's
// `server.tls` (as SWITCHYARD_HOST/PORT/STORE win over theirs), so one bundle can be given another certificate
// by its deployment; two empty paths mean plain HTTP. Only file names travel through the bundle and the
// environment: the PEM contents are read here, at start and on SIGHUP, and never logged.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ServerSettings } from "../contract.ts";

export const TLS_CERT_VARIABLE = "SWITCHYARD_TLS_CERT";
export const TLS_KEY_VARIABLE = "SWITCHYARD_TLS_KEY";

/** The certificate and key files a listener serves, as absolute paths. */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  /** Where they were named, for messages: the two variables, or `server.tls (routes.yaml:LINE:COL)`. */
  readonly origin: string;
}

/** A pair read from its files and checked: PEM text for a backend that takes contents (node:https), facts for the log. */
export interface TlsPair {
  readonly files: TlsFiles;
  readonly cert: string;
  readonly key: string;
  readonly subject: string;
  readonly validTo: Date;
  /** SHA-256 fingerprint of the leaf certificate, as openssl prints it (AA:BB:…). */
  readonly fingerprint: string;
}

/**
 * The files the listener serves, or null for plain HTTP. Relative paths resolve against the working directory
 * (like `logs.dir` and a sqlite store). Throws for one file without the other.
 */
export function listenerTls(server: ServerSettings, env: NodeJS.ProcessEnv = process.env): TlsFiles | null {
  const envCert = env[TLS_CERT_VARIABLE] ?? "";
  const envKey = env[TLS_KEY_VARIABLE] ?? "";
  let cert: string;
  let key: string;
  let origin: string;
  if (envCert !== "" || envKey !== "") {
    if (envCert === "" || envKey === "") {
      const missing = envCert === "" ? TLS_CERT_VARIABLE : TLS_KEY_VARIABLE;
      throw new Error(`${envCert === "" ? TLS_KEY_VARIABLE : TLS_CERT_VARIABLE} is set but ${missing} is not: HTTPS needs both the certificate and the key file`);
    }
    [cert, key, origin] = [envCert, envKey, `${TLS_CERT_VARIABLE}/${TLS_KEY_VARIABLE}`];
  } else {
    if (server.tls === undefined || (server.tls.cert === "" && server.tls.key === "")) return null;
    [cert, key, origin] = [server.tls.cert, server.tls.key, server.tls.origin];
    if (cert === "" || key === "") throw new Error(`${origin}: ${cert === "" ? "cert" : "key"} resolved to an empty path while ${cert === "" ? "key" : "cert"} is set: HTTPS needs both files, plain HTTP neither`);
  }
  return { cert: path.resolve(cert), key: path.resolve(key), origin };
}

/** Reads both files and checks that they hold a certificate and the private key that matches it. */
export function readTls(files: TlsFiles): TlsPair {
  const cert = readPem(files.cert, "certificate", files.origin);
  const key = readPem(files.key, "key", files.origin);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`${files.origin}: ${files.cert} holds no PEM certificate (${(error as Error).message})`);
  }
  // PKCS#8 `ENCRYPTED PRIVATE KEY`, or a traditional key's `Proc-Type: 4,ENCRYPTED`: OpenSSL would ask for a passphrase.
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key)) throw new Error(`${files.origin}: ${files.key} is encrypted; give an unencrypted key file`);
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(`${files.origin}: ${files.key} holds no PEM private key (${(error as Error).message})`);
  }
  if (!leaf.checkPrivateKey(privateKey)) throw new Error(`${files.origin}: the key in ${files.key} does not belong to the certificate in ${files.cert}`);
  return { files, cert, key, subject: leaf.subject.replace(/\n/g, ", "), validTo: new Date(leaf.validTo), fingerprint: leaf.fingerprint256 };
}

function readPem(file: string, what: string, origin: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`${origin}: cannot read the ${what} file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** uWS SSLApp options: uSockets reads the files itself (readTls checked them just before). */
export function uwsTlsOptions(files: TlsFiles): { cert_file_name: string; key_file_name: string } {
  return { cert_file_name: files.cert, key_file_name: files.key };
}

/** What the log says about a pair: never its contents. */
export function describeTls(pair: TlsPair): Record<string, string> {
  return { tls_cert: pair.files.cert, tls_subject: pair.subject, tls_valid_to: pair.validTo.toISOString(), tls_fingerprint: pair.fingerprint, tls_from: pair.files.origin };
}
