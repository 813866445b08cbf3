import { expect } from "chai";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CA_CERT_FILE, certPaths, createCertificateAuthority, issueNodeCertificate, writeClusterCertificates } from "../../src/config/certs";
import { ConfigError } from "../../src/config/errors";
import { certificateNames, readTlsMaterial } from "../../src/config/tls-files";

describe("TLS identity files (config)", function () {
  this.timeout(20_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-tls-"));
  let fingerprints: Record<string, string>;
  const files = (id: string, ca = true) => ({
    certFile: path.join(dir, certPaths(id).certFile),
    keyFile: path.join(dir, certPaths(id).keyFile),
    ...(ca ? { caFile: path.join(dir, CA_CERT_FILE) } : {}),
  });
  before(async function () {
    fingerprints = await writeClusterCertificates(dir, ["n1", "n2"]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function expectError(fn: () => unknown, field: string, pattern: RegExp): void {
    let caught: unknown;
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ConfigError);
    expect((caught as ConfigError).field).to.equal(field);
    expect((caught as ConfigError).message).to.match(pattern);
    expect((caught as ConfigError).message).to.not.include("\n");
  }

  describe("a local cluster's certificates (cluster:certs, LocalCluster)", function () {
    it("writes a CA and per node a certificate naming the node, its key readable by the owner only", function () {
      const cert = new crypto.X509Certificate(fs.readFileSync(files("n1").certFile));
      const ca = new crypto.X509Certificate(fs.readFileSync(path.join(dir, CA_CERT_FILE)));
      expect(certificateNames(cert)).to.deep.equal(["n1"]);
      expect(cert.subjectAltName).to.include("IP Address:127.0.0.1");
      expect(cert.checkIssued(ca)).to.equal(true);
      expect(cert.verify(ca.publicKey)).to.equal(true);
      expect(ca.ca).to.equal(true);
      expect(cert.ca).to.equal(false);
      expect(cert.fingerprint256).to.equal(fingerprints.n1);
      expect(fs.statSync(files("n1").keyFile).mode & 0o777).to.equal(0o600);
    });

    it("self-signs when no CA is given (peers can then only pin it)", async function () {
      const issued = await issueNodeCertificate(null, "solo");
      const cert = new crypto.X509Certificate(issued.certPem);
      expect(cert.issuer).to.equal(cert.subject);
      expect(cert.verify(cert.publicKey)).to.equal(true);
      expect(cert.fingerprint256).to.equal(issued.fingerprint);
    });
  });

  describe("readTlsMaterial", function () {
    it("reads a node's certificate, key and CA as PEM", function () {
      const m = readTlsMaterial(files("n1"), "tls", "n1");
      expect(m.cert).to.include("BEGIN CERTIFICATE");
      expect(m.key).to.include("BEGIN PRIVATE KEY");
      expect(m.ca).to.include("BEGIN CERTIFICATE");
      expect(readTlsMaterial(files("n1", false), "tls", "n1")).to.not.have.property("ca");
    });

    it("names a missing file", function () {
      expectError(() => readTlsMaterial({ ...files("n1"), certFile: path.join(dir, "none.pem") }, "tls", "n1"), "tls.certFile", /cannot read .*none\.pem: no such file$/);
    });

    it("names a file that is not PEM of the right kind", function () {
      const junk = path.join(dir, "junk.pem");
      fs.writeFileSync(junk, "hello");
      expectError(() => readTlsMaterial({ ...files("n1"), certFile: junk }, "tls"), "tls.certFile", /junk\.pem is not a PEM certificate/);
      expectError(() => readTlsMaterial({ ...files("n1"), keyFile: junk }, "tls"), "tls.keyFile", /junk\.pem is not a PEM private key/);
      const broken = path.join(dir, "broken.pem");
      fs.writeFileSync(broken, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
      expectError(() => readTlsMaterial({ ...files("n1"), caFile: broken }, "tls"), "tls.caFile", /broken\.pem is not a valid PEM certificate/);
    });

    it("refuses a key that is not the certificate's", function () {
      expectError(() => readTlsMaterial({ ...files("n1"), keyFile: files("n2").keyFile }, "tls"), "tls.keyFile", /is not the key of/);
    });

    it("refuses a certificate the CA did not issue, or one that does not name the node", async function () {
      const otherCa = await createCertificateAuthority("elsewhere");
      const otherCaFile = path.join(dir, "other-ca.pem");
      fs.writeFileSync(otherCaFile, otherCa.certPem);
      expectError(() => readTlsMaterial({ ...files("n1"), caFile: otherCaFile }, "tls", "n1"), "tls.certFile", /is not issued by the CA/);
      expectError(() => readTlsMaterial(files("n1"), "tls", "n2"), "tls.certFile", /names n1, not node id "n2"/);
    });
  });
});
