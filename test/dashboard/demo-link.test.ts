import { expect } from "chai";
import { OneTimeLinks } from "../../dashboard/demo-link";
import { DashboardConfigSchema } from "../../dashboard/config";
import { DashboardAccessError } from "../../dashboard/errors";
import { openApiDocument } from "../../dashboard/openapi";

const ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

function fixture() {
  const clock = { t: Date.UTC(2026, 11, 7) };
  return { clock, links: new OneTimeLinks(() => clock.t) };
}

function refusal(f: () => unknown): DashboardAccessError {
  try {
    f();
  } catch (err) {
    expect(err).to.be.instanceOf(DashboardAccessError);
    return err as DashboardAccessError;
  }
  throw new Error("expected a refusal");
}

describe("dashboard/demo-link: the demo's one-time sign-in link", function () {
  it("redeems a token once, for the address it was issued for", function () {
    const { links } = fixture();
    const token = links.issue(ADDRESS, 60_000);
    expect(links.redeem(token)).to.equal(ADDRESS);
    const again = refusal(() => links.redeem(token));
    expect(again.status).to.equal(401);
    expect(again.message).to.match(/unknown or was used already/);
  });

  describe("when the link has expired", function () {
    it("refuses it, and it stays spent", function () {
      const { links, clock } = fixture();
      const token = links.issue(ADDRESS, 60_000);
      clock.t += 60_001;
      expect(refusal(() => links.redeem(token)).message).to.match(/expired/);
      clock.t -= 60_001;
      expect(refusal(() => links.redeem(token)).message).to.match(/used already/);
    });
  });

  it("refuses a token it never issued", function () {
    const { links } = fixture();
    links.issue(ADDRESS, 60_000);
    expect(refusal(() => links.redeem("")).status).to.equal(401);
    expect(refusal(() => links.redeem("not-a-token")).status).to.equal(401);
  });

  it("issues unguessable tokens (256 random bits each)", function () {
    const { links } = fixture();
    const tokens = new Set(Array.from({ length: 100 }, () => links.issue(ADDRESS, 60_000)));
    expect(tokens.size).to.equal(100);
    for (const t of tokens) expect(Buffer.from(t, "base64url")).to.have.length(32);
  });

  describe("the config switch", function () {
    const a = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
    const deployment = {
      network: "demo",
      chainId: 31337,
      main: { token: a(1), registry: a(2), grid: a(3), market: a(4), pricing: { "surplus-split": a(5), "paper-table": a(6) } },
    };
    const config = (extra: object) => DashboardConfigSchema.safeParse({ mainRpcUrl: "http://127.0.0.1:8545", deployment, ...extra });

    it("is off unless set, and the route is then not documented", function () {
      const parsed = config({});
      expect(parsed.success && parsed.data.demoSignIn).to.equal(false);
      expect((openApiDocument() as { paths: object }).paths).not.to.have.property("/auth/link");
      expect((openApiDocument({ demoSignIn: true }) as { paths: object }).paths).to.have.property("/auth/link");
    });

    it("is accepted on a loopback address only", function () {
      for (const host of ["127.0.0.1", "::1", "localhost"]) expect(config({ host, demoSignIn: true }).success, host).to.equal(true);
      for (const host of ["0.0.0.0", "192.168.1.10", "::"]) {
        const parsed = config({ host, demoSignIn: true });
        expect(parsed.success, host).to.equal(false);
        expect(parsed.error?.issues.map((i) => i.message)).to.deep.equal(["demoSignIn needs a loopback host (127.0.0.1, ::1 or localhost)"]);
      }
    });
  });
});
