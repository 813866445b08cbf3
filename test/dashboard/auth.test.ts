import { expect } from "chai";
import { Wallet, type BaseWallet } from "ethers";
import { SiweMessage } from "siwe";
import { SignIn, type Role } from "../../dashboard/auth";
import { DashboardAccessError } from "../../dashboard/errors";

const DOMAIN = "127.0.0.1:8080";
const tradingCentre = Wallet.createRandom();
const consumer = Wallet.createRandom();
const stranger = Wallet.createRandom();

function fixture(now = { t: Date.UTC(2026, 11, 7) }) {
  const roles = new Map<string, Role>([
    [tradingCentre.address, "trading-centre"],
    [consumer.address, "participant"],
  ]);
  const signIn = new SignIn({ domain: () => DOMAIN, chainId: 31337, membership: async (a) => roles.get(a) ?? null, now: () => now.t });
  return { signIn, now };
}

async function signed(signIn: SignIn, wallet: BaseWallet): Promise<[string, string]> {
  const { message } = signIn.challenge(wallet.address, `http://${DOMAIN}/`);
  return [message, await wallet.signMessage(message)];
}

async function expectRefused(p: Promise<unknown>, status: 401 | 403, pattern: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(DashboardAccessError);
  expect((err as DashboardAccessError).status).to.equal(status);
  expect((err as Error).message).to.match(pattern);
}

describe("dashboard/auth: Sign-In with Ethereum (EIP-4361)", function () {
  it("opens a session with the trading centre's or a participant's role from a signed challenge", async function () {
    const { signIn } = fixture();
    const tc = await signIn.verify(...(await signed(signIn, tradingCentre)));
    expect(tc).to.include({ address: tradingCentre.address, role: "trading-centre" });
    const p = await signIn.verify(...(await signed(signIn, consumer)));
    expect(p.role).to.equal("participant");
    expect(signIn.session(tc.token)!.address).to.equal(tradingCentre.address);
    expect(tc.token).to.not.equal(p.token);
  });

  describe("when the signer is not an approved participant", function () {
    it("refuses with 403", async function () {
      const { signIn } = fixture();
      await expectRefused(signIn.verify(...(await signed(signIn, stranger))), 403, /is not an approved participant/);
    });
  });

  describe("when the sign-in is not genuine", function () {
    it("refuses a signature by another key, a replayed challenge, a message for another domain or chain", async function () {
      const { signIn } = fixture();
      const [message, signature] = await signed(signIn, consumer);
      await expectRefused(signIn.verify(message, await stranger.signMessage(message)), 401, /sign-in refused/);
      // The nonce was used by the failed attempt: the genuine signature cannot open a session with it either.
      await expectRefused(signIn.verify(message, signature), 401, /unknown or expired/);
      const { nonce } = signIn.challenge(consumer.address, `http://${DOMAIN}/`);
      const other = new SiweMessage({ domain: "evil.example", address: consumer.address, uri: "http://evil.example/", version: "1", chainId: 31337, nonce }).prepareMessage();
      await expectRefused(signIn.verify(other, await consumer.signMessage(other)), 401, /sign-in refused/);
      const { nonce: n2 } = signIn.challenge(consumer.address, `http://${DOMAIN}/`);
      const chain = new SiweMessage({ domain: DOMAIN, address: consumer.address, uri: `http://${DOMAIN}/`, version: "1", chainId: 1, nonce: n2 }).prepareMessage();
      await expectRefused(signIn.verify(chain, await consumer.signMessage(chain)), 401, /chain 1, not 31337/);
      await expectRefused(signIn.verify("hello", "0x"), 401, /not an EIP-4361 message/);
    });

    it("refuses a challenge answered after five minutes, and ends a session after its lifetime", async function () {
      const { signIn, now } = fixture();
      const late = await signed(signIn, consumer);
      now.t += 5 * 60_000 + 1;
      await expectRefused(signIn.verify(...late), 401, /unknown or expired/);
      const s = await signIn.verify(...(await signed(signIn, consumer)));
      now.t += 8 * 3600_000 + 1;
      expect(signIn.session(s.token)).to.equal(undefined);
    });
  });

  it("ends a session on sign-out and knows no made-up token", async function () {
    const { signIn } = fixture();
    const s = await signIn.verify(...(await signed(signIn, consumer)));
    signIn.signOut(s.token);
    expect(signIn.session(s.token)).to.equal(undefined);
    expect(signIn.session("made-up")).to.equal(undefined);
    expect(signIn.session(undefined)).to.equal(undefined);
  });
});
