import crypto from "node:crypto";
import fs from "node:fs";
import { ConfigError } from "./errors";

/** PEM text of a node's TLS identity and, optionally, the consortium CA it trusts. */
export interface TlsMaterial {
  cert: string;
  key: string;
  ca?: string;
}

/** The `tls` (or `api.tls`) section: file paths, already resolved against the config's directory. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
}

/** 32 bytes as hex, with or without colons between bytes (openssl and node:crypto print `AA:BB:…`). */
export const FINGERPRINT_PATTERN = /^([0-9a-fA-F]{2}:){31}[0-9a-fA-F]{2}$|^[0-9a-fA-F]{64}$/;

/** The canonical form compared at run time: upper-case hex bytes joined by colons. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/:/g, "").toUpperCase();
  return hex.match(/.{2}/g)!.join(":");
}

/** SHA-256 fingerprint of a PEM certificate, in the canonical form. */
export function certificateFingerprint(certPem: string): string {
  return new crypto.X509Certificate(certPem).fingerprint256;
}

function readFile(file: string, field: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new ConfigError(`${field}: cannot read ${file}: ${why}`, field, { cause: err });
  }
}

function parseCert(pem: string, file: string, field: string): crypto.X509Certificate {
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigError(`${field}: ${file} is not a PEM certificate (no BEGIN CERTIFICATE block)`, field);
  }
  try {
    return new crypto.X509Certificate(pem);
  } catch (err) {
    throw new ConfigError(`${field}: ${file} is not a valid PEM certificate: ${(err as Error).message}`, field, { cause: err });
  }
}

/** The names a certificate gives its subject: the CN and every SAN DNS name. */
export function certificateNames(cert: crypto.X509Certificate): string[] {
  const names: string[] = [];
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject);
  if (cn !== null) names.push(cn[1]!);
  for (const part of (cert.subjectAltName ?? "").split(", ")) {
    if (part.startsWith("DNS:")) names.push(part.slice(4));
  }
  return [...new Set(names)];
}

/**
 * Reads and checks a node's TLS files: each must exist and hold PEM of the right kind, the key must
 * belong to the certificate, and with a CA the certificate must be issued by it and name `nodeId`
 * (peers that trust the CA identify a node by that name). Throws a ConfigError naming the field.
 */
export function readTlsMaterial(files: TlsFiles, prefix: string, nodeId?: string): TlsMaterial {
  const certPem = readFile(files.certFile, `${prefix}.certFile`);
  const cert = parseCert(certPem, files.certFile, `${prefix}.certFile`);
  const keyPem = readFile(files.keyFile, `${prefix}.keyFile`);
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(keyPem);
  } catch (err) {
    throw new ConfigError(`${prefix}.keyFile: ${files.keyFile} is not a PEM private key: ${(err as Error).message}`, `${prefix}.keyFile`, {
      cause: err,
    });
  }
  if (!cert.checkPrivateKey(key)) {
    throw new ConfigError(`${prefix}.keyFile: ${files.keyFile} is not the key of ${files.certFile}`, `${prefix}.keyFile`);
  }
  if (files.caFile === undefined) return { cert: certPem, key: keyPem };
  const caPem = readFile(files.caFile, `${prefix}.caFile`);
  const ca = parseCert(caPem, files.caFile, `${prefix}.caFile`);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    throw new ConfigError(`${prefix}.certFile: ${files.certFile} is not issued by the CA in ${files.caFile}`, `${prefix}.certFile`);
  }
  if (nodeId !== undefined && !certificateNames(cert).includes(nodeId)) {
    throw new ConfigError(
      `${prefix}.certFile: ${files.certFile} names ${certificateNames(cert).join(", ") || "nothing"}, not node id "${nodeId}" (CN or SAN DNS), so CA-trusting peers would refuse it`,
      `${prefix}.certFile`,
    );
  }
  return { cert: certPem, key: keyPem, ca: caPem };
}
