/**
 * Issues the X.509 keys and certificates of a local cluster: a consortium CA and one certificate per
 * node that names the node id (subject CN and a SAN DNS name) plus 127.0.0.1, so peers can trust a
 * node either through the CA or by pinning its certificate's SHA-256 fingerprint.
 *
 * node:crypto makes keys and reads certificates but cannot issue one. @peculiar/x509 (engines: node
 * >= 20, pure TypeScript over WebCrypto, ~10 M downloads a month) issues them in-process, so neither
 * developers nor CI need the `openssl` binary; selfsigned wraps the same library with fewer options
 * (no CA-signed leaves with our own extensions). It needs the reflect-metadata polyfill for its
 * dependency injection container, imported here and only by the tools that issue certificates: the
 * orderer daemon itself only reads PEM files with node:tls.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import crypto, { type webcrypto } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../storage/fs-util";
import { certificateFingerprint } from "./tls-files";

x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** ECDSA P-256 with SHA-256: every TLS 1.3 stack accepts it, and signatures are cheap. */
const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER certificate, `AA:BB:…` as node:crypto and openssl print it. */
  fingerprint: string;
}

export interface CertificateAuthority extends IssuedCertificate {
  readonly cert: x509.X509Certificate;
  readonly keys: webcrypto.CryptoKeyPair;
}

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await crypto.webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
}

async function keyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  const der = Buffer.from(await crypto.webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

function serial(): string {
  // Positive (high bit clear) 16-byte serial, unique per certificate as RFC 5280 asks.
  const b = crypto.randomBytes(16);
  b[0]! &= 0x7f;
  return b.toString("hex");
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  // An hour of slack: hosts whose clocks disagree a little still accept a fresh certificate.
  const now = Date.now();
  return { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + days * DAY_MS) };
}

/** A self-signed consortium CA (basicConstraints cA, keyCertSign). */
export async function createCertificateAuthority(name = "dplc consortium CA", days = 3650): Promise<CertificateAuthority> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    ...validity(days),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString("pem");
  return { cert, keys, certPem, keyPem: await keyPem(keys), fingerprint: certificateFingerprint(certPem) };
}

/**
 * A node's certificate for both TLS roles (server and client auth), naming `nodeId` as subject CN
 * and SAN DNS name, plus `ips` as SAN IP addresses. Signed by `ca`, or self-signed when `ca` is null
 * (then peers can only pin it by fingerprint).
 */
export async function issueNodeCertificate(
  ca: CertificateAuthority | null,
  nodeId: string,
  opts: { ips?: string[]; days?: number } = {},
): Promise<IssuedCertificate> {
  const keys = await newKeys();
  const extensions = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    new x509.SubjectAlternativeNameExtension([
      { type: "dns", value: nodeId },
      ...(opts.ips ?? ["127.0.0.1"]).map((ip) => ({ type: "ip" as const, value: ip })),
    ]),
  ];
  const base = { serialNumber: serial(), ...validity(opts.days ?? 825), signingAlgorithm: ALGORITHM, extensions };
  const cert =
    ca === null
      ? await x509.X509CertificateGenerator.createSelfSigned({ ...base, name: `CN=${nodeId}`, keys })
      : await x509.X509CertificateGenerator.create({
          ...base,
          subject: `CN=${nodeId}`,
          issuer: ca.cert.subject,
          publicKey: keys.publicKey,
          signingKey: ca.keys.privateKey,
        });
  const certPem = cert.toString("pem");
  return { certPem, keyPem: await keyPem(keys), fingerprint: certificateFingerprint(certPem) };
}

/** Where `writeClusterCertificates` puts a node's files, relative to its directory. */
export const certPaths = (id: string): { certFile: string; keyFile: string } => ({
  certFile: path.join("tls", `${id}.crt.pem`),
  keyFile: path.join("tls", `${id}.key.pem`),
});
export const CA_CERT_FILE = path.join("tls", "ca.crt.pem");

/**
 * Writes `tls/ca.crt.pem` and per node `tls/<id>.crt.pem` and `tls/<id>.key.pem` (mode 0600) under
 * `dir`, and returns each node's certificate fingerprint (for pinning). The CA's private key is not
 * kept: a local cluster never issues again, it generates afresh.
 */
export async function writeClusterCertificates(dir: string, ids: string[]): Promise<Record<string, string>> {
  const ca = await createCertificateAuthority();
  fs.mkdirSync(path.join(dir, "tls"), { recursive: true });
  writeFileAtomic(path.join(dir, CA_CERT_FILE), ca.certPem);
  const fingerprints: Record<string, string> = {};
  for (const id of ids) {
    const issued = await issueNodeCertificate(ca, id);
    const files = certPaths(id);
    writeFileAtomic(path.join(dir, files.certFile), issued.certPem);
    writeFileAtomic(path.join(dir, files.keyFile), issued.keyPem, { mode: 0o600 });
    fingerprints[id] = issued.fingerprint;
  }
  return fingerprints;
}
