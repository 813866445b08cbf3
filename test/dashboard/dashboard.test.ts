import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { JsonRpcProvider, type BaseWallet } from "ethers";
import { chromium, type Browser, type Page } from "playwright-core";
import { loadMarket } from "../../src/data";
import { startDevnets, type DevnetPair } from "../../src/devnet/pair";
import { runCaseB, type CaseBOutcome } from "../../src/caseb/flow";
import { ACCOUNT, devnetWallet } from "../../src/devnet/accounts";
import { participantWallet } from "../../src/chain/participants";
import { DashboardConfigSchema } from "../../dashboard/config";
import { startDashboard, SESSION_COOKIE, type Dashboard } from "../../dashboard/server";
import { openApiDocument } from "../../dashboard/openapi";
import { sweepPoints } from "../../dashboard/views/caseb";
import { measured } from "../../src/paper/command";
import { toNumber18 } from "../../src/units";
import { LocalCluster } from "../../consensus/src";
import { freeBasePort } from "../../consensus/test/process/load";

const CASE_A = path.join(__dirname, "..", "..", "data", "case-a");
const SHOTS = path.join(__dirname, "..", "..", "reports", "screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Signs in over HTTP as `wallet`; returns the session cookie header, or the refusal's status. */
async function signInAs(d: Dashboard, wallet: BaseWallet): Promise<{ cookie: string } | { status: number }> {
  const challenge = (await (await fetch(`${d.url}/auth/challenge?address=${wallet.address}`)).json()) as { message: string };
  const res = await fetch(`${d.url}/auth/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: challenge.message, signature: await wallet.signMessage(challenge.message) }),
  });
  if (!res.ok) return { status: res.status };
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  expect(cookie.startsWith(`${SESSION_COOKIE}=`)).to.equal(true);
  return { cookie };
}

async function getJson(d: Dashboard, route: string, cookie?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${d.url}${route}`, { headers: cookie === undefined ? {} : { cookie } });
  return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text() };
}

/** Gives the page a wallet that signs with `wallet` (what a browser extension would provide). */
async function injectWallet(page: Page, wallet: BaseWallet): Promise<void> {
  await page.exposeFunction("dplcSign", (message: string) => wallet.signMessage(message));
  await page.addInitScript((address: string) => {
    (globalThis as any).ethereum = {
      request: async ({ method, params }: { method: string; params?: unknown[] }) =>
        method === "eth_requestAccounts" ? [address] : (globalThis as any).dplcSign(params![0]),
    };
  }, wallet.address);
}

describe("dashboard: the market, certificates, bridge and cluster in a browser", function () {
  this.timeout(600_000);
  let devnets: DevnetPair;
  let outcome: CaseBOutcome;
  let cluster: LocalCluster;
  let clusterDir: string;
  let dashboard: Dashboard;
  let tc: { cookie: string };
  let b1: { cookie: string };
  const tcWallet = devnetWallet(ACCOUNT.tradingCentre);
  const b1Wallet = participantWallet("B1", new JsonRpcProvider());

  before(async function () {
    devnets = await startDevnets();
    outcome = await runCaseB({ data: loadMarket(CASE_A), pricing: "surplus-split", certPrice: "300", main: devnets.main, side: devnets.side, relayerLogger: pino({ level: "silent" }) });
    clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-dash-cluster-"));
    cluster = new LocalCluster({ nodes: 3, dir: clusterDir, basePort: await freeBasePort(3), logLevel: "warn" });
    await cluster.generate();
    await Promise.all(cluster.ids.map((id) => cluster.start(id)));
    await cluster.leader();
    const config = DashboardConfigSchema.parse({
      port: 0,
      mainRpcUrl: devnets.main.url,
      sideRpcUrl: devnets.side.url,
      deployment: outcome.deployment,
      orderers: cluster.ids.map((id) => cluster.apiUrl(id)),
      pollMs: 200,
    });
    dashboard = await startDashboard(config, pino({ level: "silent" }), { caseBSweep: sweepPoints([outcome]) });
    tc = (await signInAs(dashboard, tcWallet)) as { cookie: string };
    b1 = (await signInAs(dashboard, b1Wallet)) as { cookie: string };
  });

  after(async function () {
    await dashboard?.stop();
    await cluster?.stopAll();
    if (clusterDir !== undefined) fs.rmSync(clusterDir, { recursive: true, force: true });
    await devnets?.stop();
  });

  describe("the JSON API", function () {
    it("refuses every /api route without a session, and a stranger's sign-in", async function () {
      for (const route of ["/api/me", "/api/round", "/api/caseb", "/api/participants", "/api/certificates", "/api/bridge", "/api/cluster", "/api/round/matches.csv"]) {
        expect((await getJson(dashboard, route)).status, route).to.equal(401);
      }
      expect(await signInAs(dashboard, participantWallet("nobody", new JsonRpcProvider()))).to.deep.equal({ status: 403 });
    });

    it("shows the trading centre every order, the replay's matches and totals", async function () {
      const { body } = await getJson(dashboard, "/api/round", tc.cookie);
      expect(body.status.state).to.equal("closed");
      expect(body.orders).to.have.length(outcome.data.orders.length);
      const settled = outcome.trades.filter((t) => t.mwh > 0n);
      expect(body.matches.map((m: any) => [m.buyer, m.seller, m.mwh])).to.deep.equal(settled.map((t) => [t.buyer.name, t.seller.name, Number(t.mwh)]));
      expect(body.matches.every((m: any) => m.settled)).to.equal(true);
      expect(Object.keys(body.totals)).to.include.members(["B1", "W1", "H1", "grid"]);
    });

    it("shows a participant the public matches, its own orders and totals, and others' orders without their names", async function () {
      const { body } = await getJson(dashboard, "/api/round", b1.cookie);
      const own = body.orders.filter((o: any) => o.name === "B1");
      expect(own).to.have.length(1);
      expect(body.orders.filter((o: any) => o.name === "").length).to.equal(outcome.data.orders.length - 1);
      expect(body.orders.filter((o: any) => o.name === "").every((o: any) => o.owner === "" && o.escrow === 0)).to.equal(true);
      expect(Object.keys(body.totals)).to.deep.equal(["B1"]);
      const participants = (await getJson(dashboard, "/api/participants", b1.cookie)).body;
      expect(participants.map((p: any) => p.name)).to.deep.equal(["B1"]);
      expect(participants[0].greenQuotaPct).to.equal(20);
      // The quota as the side chain recorded and retired it in Case B, met or short.
      const q = outcome.quotas.get("B1")!;
      const short = q.owed > q.retired ? q.owed - q.retired : 0n;
      expect(participants[0].quota).to.deep.equal({ owed: Number(q.owed) / 1000, retired: Number(q.retired) / 1000, met: q.met, short: Number(short) / 1000 });
      expect(participants[0].quota.owed).to.be.greaterThan(0);
      const all = (await getJson(dashboard, "/api/participants", tc.cookie)).body;
      expect(all).to.have.length(outcome.data.orders.length);
      expect(all.filter((p: any) => p.kind !== "consumer").every((p: any) => p.quota === null)).to.equal(true);
    });

    it("exports the match table and totals as CSV", async function () {
      const { body } = await getJson(dashboard, "/api/round/matches.csv", tc.cookie);
      const lines = (body as string).trim().split("\n");
      expect(lines[0]).to.equal("buyer,seller,mwh,buyerPrice,sellerPrice");
      expect(lines).to.have.length(1 + outcome.trades.filter((t) => t.mwh > 0n).length);
      expect((await getJson(dashboard, "/api/round/totals.csv", tc.cookie)).body).to.match(/^name,mwh,tokens\n/);
    });

    it("reports certificates, the bridge and the cluster as the chains and nodes hold them", async function () {
      const certs = (await getJson(dashboard, "/api/certificates", tc.cookie)).body;
      expect(certs.issued).to.equal(Number(outcome.certificates.issued) / 1000);
      expect(certs.traded).to.equal(Number(outcome.certificates.traded) / 1000);
      expect(Object.keys(certs.issuedTo).sort()).to.deep.equal(["W1", "W2", "W3", "W4"]);
      // What the generators sold adds up to the market's total, every seller a generator that was issued certificates.
      expect(Object.values(certs.soldBy as Record<string, number>).reduce((a, b) => a + b, 0)).to.be.closeTo(certs.traded, 1e-9);
      expect(certs.traded).to.be.greaterThan(0);
      expect(Object.keys(certs.soldBy).every((n) => n in certs.issuedTo)).to.equal(true);
      const bridge = (await getJson(dashboard, "/api/bridge", tc.cookie)).body;
      expect(bridge.locked).to.equal(bridge.wrappedSupply);
      expect(bridge.mainToSide.delivered).to.equal(bridge.mainToSide.sent);
      expect(bridge.threshold).to.equal(2);
      // Each delivered message names the validators whose signatures the chain accepted: a quorum of the set.
      const delivered = bridge.messages.filter((m: any) => m.status === "delivered");
      expect(delivered.filter((m: any) => m.direction === "main → side")).to.have.length(bridge.mainToSide.delivered);
      expect(delivered.length).to.be.greaterThan(0);
      for (const m of delivered) {
        expect(m.signers.length, `message ${m.direction} ${m.nonce}`).to.be.at.least(bridge.threshold);
        expect(bridge.validators).to.include.members(m.signers);
        expect(new Set(m.signers).size).to.equal(m.signers.length);
      }
      const m = measured(outcome);
      expect((await getJson(dashboard, "/api/caseb", b1.cookie)).body).to.deep.equal([
        { certPrice: 300, windCertIncome: toNumber18(m.certIncome), windProfit: toNumber18(m.windProfit), generatorRevenue: toNumber18(m.generatorRevenue) },
      ]);
      const c = (await getJson(dashboard, "/api/cluster", tc.cookie)).body;
      expect(c.agree).to.equal(true);
      expect(cluster.ids).to.include(c.leader);
      expect(c.nodes.every((n: any) => n.up)).to.equal(true);
      // These nodes run without EVM replicas (the demo's test sees replicas agree).
      expect(c.replicasAgree).to.equal(null);
    });

    it("documents every route it serves in /openapi.json, and serves every documented one", async function () {
      const served = new Set(dashboard.routes);
      const documented = Object.keys((openApiDocument() as { paths: object }).paths);
      expect([...served].sort()).to.deep.equal([...documented].sort());
      expect((await getJson(dashboard, "/openapi.json")).body.openapi).to.equal("3.1.0");
    });
  });

  describe("in Chromium", function () {
    let browser: Browser;

    before(async function () {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      });
      fs.mkdirSync(SHOTS, { recursive: true });
    });

    after(async function () {
      await browser?.close();
    });

    async function signedInPage(wallet: BaseWallet): Promise<Page> {
      const page = await browser.newPage();
      await injectWallet(page, wallet);
      await page.goto(`${dashboard.url}/#round`);
      await page.click("#signin-button");
      await page.waitForSelector("#matches");
      return page;
    }

    it("signs the trading centre in and shows each page with the replay's data", async function () {
      const page = await signedInPage(tcWallet);
      expect(await page.locator("#matches tbody tr").count()).to.equal(outcome.trades.filter((t) => t.mwh > 0n).length);
      expect(await page.locator("#merit canvas").count()).to.be.greaterThan(0);
      await page.screenshot({ path: path.join(SHOTS, "round.png"), fullPage: true });
      for (const [name, check] of [
        ["participants", "#participants tbody tr"],
        ["certificates", "#issued tbody tr"],
        ["bridge", "#messages tbody tr"],
        ["cluster", "#nodes tbody tr"],
      ] as const) {
        await page.goto(`${dashboard.url}/#${name}`);
        await page.waitForSelector(check);
        await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
      }
      expect(await page.textContent("#content")).to.contain(`${cluster.ids.length}`);
      await page.goto(`${dashboard.url}/#certificates`);
      await page.waitForSelector("#issued");
      expect(await page.textContent("#content")).to.contain("22,439.000");
      await page.waitForSelector("#sweep canvas");
      await page.goto(`${dashboard.url}/#bridge`);
      await page.waitForSelector("#messages tbody tr");
      expect(await page.textContent("#messages")).to.match(/delivered.*0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}, 0x/);
      await page.close();
    });

    it("signs a consumer in, with only its own totals, and refuses a stranger", async function () {
      const page = await signedInPage(b1Wallet);
      expect(await page.textContent("#who")).to.contain("participant");
      await page.goto(`${dashboard.url}/#participants`);
      await page.waitForSelector("#participants tbody tr");
      expect(await page.locator("#participants tbody tr").count()).to.equal(1);
      await page.close();
      const stranger = await browser.newPage();
      await injectWallet(stranger, participantWallet("nobody", new JsonRpcProvider()));
      await stranger.goto(`${dashboard.url}/`);
      await stranger.click("#signin-button");
      await stranger.waitForSelector("#signin-error:not(:empty)");
      expect(await stranger.textContent("#signin-error")).to.contain("not an approved participant");
      await stranger.close();
    });

    it("updates live when a block lands, without reloading", async function () {
      const page = await signedInPage(tcWallet);
      await page.waitForFunction(() => /block \d+/.test((globalThis as any).document.querySelector("#live").textContent ?? ""));
      const before = Number((await page.textContent("#live"))!.replace(/\D/g, ""));
      await new JsonRpcProvider(devnets.main.url).send("evm_mine", []);
      await page.waitForFunction((n) => Number((globalThis as any).document.querySelector("#live").textContent!.replace(/\D/g, "")) > n, before);
      await page.close();
    });
  });
});
