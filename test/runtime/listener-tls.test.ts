// Which certificate files a listener serves and how a bad pair is refused (runtime/listener/tls.ts); the
// handshake itself is test/e2e/tls.test.ts's.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ServerSettings } from "../../runtime/contract.ts";
import { listenerTls, readTls } from "../../runtime/listener/tls.ts";

const server = (tls?: { cert: string; key: string }): ServerSettings => ({
  host: "127.0.0.1",
  port: 0,
  bodyLimitBytes: 1024,
  shutdownTimeoutMs: 1000,
  ...(tls === undefined ? {} : { tls: { ...tls, origin: "server.tls (routes.yaml:3:9)" } }),
});

describe("listenerTls", () => {
  it("is plain HTTP without server.tls or variables, and when both paths resolved empty", () => {
    expect(listenerTls(server(), {})).toBeNull();
    expect(listenerTls(server({ cert: "", key: "" }), {})).toBeNull();
  });

  it("takes routes.yaml's paths, resolved against the working directory", () => {
    expect(listenerTls(server({ cert: "tls/cert.pem", key: "/etc/k.pem" }), {})).toEqual({ cert: path.resolve("tls/cert.pem"), key: "/etc/k.pem", origin: "server.tls (routes.yaml:3:9)" });
  });

  it("lets SWITCHYARD_TLS_CERT / SWITCHYARD_TLS_KEY win over routes.yaml, and turn HTTPS on without it", () => {
    const env = { SWITCHYARD_TLS_CERT: "/run/c.pem", SWITCHYARD_TLS_KEY: "/run/k.pem" };
    const expected = { cert: "/run/c.pem", key: "/run/k.pem", origin: "SWITCHYARD_TLS_CERT/SWITCHYARD_TLS_KEY" };
    expect(listenerTls(server({ cert: "/etc/c.pem", key: "/etc/k.pem" }), env)).toEqual(expected);
    expect(listenerTls(server(), env)).toEqual(expected);
  });

  it("refuses half a pair, naming what is missing", () => {
    expect(() => listenerTls(server(), { SWITCHYARD_TLS_KEY: "/run/k.pem" })).toThrow("SWITCHYARD_TLS_KEY is set but SWITCHYARD_TLS_CERT is not");
    expect(() => listenerTls(server({ cert: "/etc/c.pem", key: "" }), {})).toThrow("server.tls (routes.yaml:3:9): key resolved to an empty path while cert is set");
  });
});

describe("readTls", () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const files = (cert: string, key: string) => ({ cert: file(cert), key: file(key), origin: "server.tls (routes.yaml:3:9)" });

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "switchyard-tls-unit-"));
    for (const name of ["a", "b"]) {
      execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", file(`${name}-key.pem`), "-out", file(`${name}-cert.pem`), "-days", "1", "-subj", `/CN=unit-${name}`], { stdio: "ignore" });
    }
    execFileSync("openssl", ["pkey", "-in", file("a-key.pem"), "-aes256", "-passout", "pass:secret", "-out", file("a-key-encrypted.pem")], { stdio: "ignore" });
    writeFileSync(file("not-pem.txt"), "hello\n");
  });

  it("reads a matching pair: contents for node:https, subject, expiry and fingerprint for the log", () => {
    const pair = readTls(files("a-cert.pem", "a-key.pem"));
    expect(pair.cert).toContain("BEGIN CERTIFICATE");
    expect(pair.key).toContain("PRIVATE KEY");
    expect(pair.subject).toBe("CN=unit-a");
    expect(pair.validTo.getTime()).toBeGreaterThan(Date.now());
    expect(pair.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it("says which file is wrong and how", () => {
    expect(() => readTls(files("a-cert.pem", "b-key.pem"))).toThrow(`server.tls (routes.yaml:3:9): the key in ${file("b-key.pem")} does not belong to the certificate in ${file("a-cert.pem")}`);
    expect(() => readTls(files("a-cert.pem", "a-key-encrypted.pem"))).toThrow(`${file("a-key-encrypted.pem")} is encrypted; give an unencrypted key file`);
    expect(() => readTls(files("not-pem.txt", "a-key.pem"))).toThrow(`${file("not-pem.txt")} holds no PEM certificate`);
    expect(() => readTls(files("a-cert.pem", "absent.pem"))).toThrow(`cannot read the key file ${file("absent.pem")}: ENOENT`);
  });
});
