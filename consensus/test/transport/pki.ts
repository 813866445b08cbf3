import { createCertificateAuthority, issueNodeCertificate, type CertificateAuthority } from "../../src/config/certs";
import type { TlsMaterial } from "../../src/config/tls-files";

/** A node's TLS identity for tests: what it presents, and the fingerprint peers pin. */
export interface TestIdentity {
  id: string;
  material: TlsMaterial;
  fingerprint: string;
}

/** A consortium CA for tests, issuing (or self-signing) node identities. */
export class TestPki {
  private constructor(readonly ca: CertificateAuthority) {}

  static async create(name = "test consortium CA"): Promise<TestPki> {
    return new TestPki(await createCertificateAuthority(name));
  }

  /** A certificate issued by this CA naming `id`; with `selfSigned`, one no CA vouches for. */
  async identity(id: string, opts: { selfSigned?: boolean } = {}): Promise<TestIdentity> {
    const issued = await issueNodeCertificate(opts.selfSigned === true ? null : this.ca, id);
    return { id, fingerprint: issued.fingerprint, material: { cert: issued.certPem, key: issued.keyPem, ca: this.ca.certPem } };
  }
}
