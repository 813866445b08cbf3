import { expect } from "chai";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { descendants, killAll, processes, startDemoProcess, stillRunning, type DemoProcess, type Proc } from "./processes";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = path.join(__dirname, "..", "..", "reports", "screenshots");
const START_MS = 480_000;

interface Results {
  caseA: { matches: { buyer: string; seller: string; mwh: number }[] };
  caseB: { certPrice: number; matches: { buyer: string; seller: string; mwh: number }[] }[];
}

/** What the demo's processes are and where its directory is, once it is serving. */
function snapshot(demo: DemoProcess): { procs: Proc[]; dir: string } {
  const dir = /working directory (\S+)/.exec(demo.stderr())![1]!;
  return { procs: descendants(demo.child.pid!), dir };
}

/** After the demo exited: none of its processes, nor anything running from its directory, is left. */
function expectNothingLeft(procs: readonly Proc[], dir: string): void {
  expect(stillRunning(procs).map((p) => `${p.pid} ${p.args}`)).to.deep.equal([]);
  expect(processes().filter((p) => p.args.includes(dir)).map((p) => `${p.pid} ${p.args}`)).to.deep.equal([]);
  expect(fs.existsSync(dir), dir).to.equal(false);
}

describe("npm run demo: the whole system, the case study and the dashboard in one command", function () {
  this.timeout(900_000);

  describe("when started on the paper's market with one certificate price", function () {
    let demo: DemoProcess;
    let url: string;
    let link: string;
    let results: Results;
    let procs: Proc[] = [];
    let dir: string;
    let browser: Browser;
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dplc-demo-test-")), "results.json");

    before(async function () {
      demo = startDemoProcess(["--port", "0", "--cert-price", "300", "--out", out]);
      url = (await demo.waitFor(/^dashboard: (http:\/\/127\.0\.0\.1:\d+)$/m, START_MS))[1]!;
      link = (await demo.waitFor(/^sign in \(trading centre.*\): (\S+)$/m, 5_000))[1]!;
      ({ procs, dir } = snapshot(demo));
      results = JSON.parse(fs.readFileSync(out, "utf8")) as Results;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
      fs.mkdirSync(SHOTS, { recursive: true });
    });

    after(async function () {
      await browser?.close();
      killAll(demo, procs);
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    });

    it("prints its progress while it starts: the cluster, the side chain, Case A, Case B, the bridge", function () {
      const lines = demo.stderr();
      for (const step of [/ordering service ready: leader n\d/, /side chain http:\/\/127\.0\.0\.1:\d+/, /Case A: 13 trades settled/, /Case B P=300: 13 trades settled, 22439 certificates issued/, /relayer {2}http:\/\/127\.0\.0\.1:\d+/]) {
        expect(lines).to.match(step);
      }
      expect(procs.filter((p) => /consensus\/bin\/orderer\.js/.test(p.args))).to.have.length(3);
      expect(procs.filter((p) => /validator\/cli\.ts/.test(p.args))).to.have.length(3);
      expect(procs.filter((p) => /relayer\/cli\.ts/.test(p.args))).to.have.length(1);
    });

    it("signs the trading centre in when the link is opened in a browser, and shows the round's matches", async function () {
      const page = await browser.newPage();
      await page.goto(link);
      await page.waitForSelector("#matches tbody tr");
      expect(page.url()).to.equal(`${url}/#round`);
      expect(await page.textContent("#who")).to.contain("trading-centre");
      const rows = await page.locator("#matches tbody tr").allTextContents();
      const shown = results.caseB[0]!.matches;
      expect(rows).to.have.length(shown.length);
      for (const [i, m] of shown.entries()) expect(rows[i]).to.contain(m.buyer).and.to.contain(m.seller);
      await page.screenshot({ path: path.join(SHOTS, "demo-round.png"), fullPage: true });
      await page.close();
    });

    it("refuses the link a second time, and any /api route without a session", async function () {
      const again = await fetch(link, { redirect: "manual" });
      expect(again.status).to.equal(401);
      expect(((await again.json()) as { error: string }).error).to.equal("this sign-in link is unknown or was used already");
      expect((await fetch(`${url}/api/round`)).status).to.equal(401);
      const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: object };
      expect(doc.paths).to.have.property("/auth/link");
    });

    it("shows the cluster page with every node's replica at the same head", async function () {
      const context = await browser.newContext();
      const page = await context.newPage();
      // A fresh link for this browser context: the demo's one was spent above, so sign in through the API as a
      // wallet would, with the trading centre's devnet key.
      const { devnetWallet, ACCOUNT } = await import("../../src/devnet/accounts");
      const tc = devnetWallet(ACCOUNT.tradingCentre);
      const { message } = (await (await fetch(`${url}/auth/challenge?address=${tc.address}`)).json()) as { message: string };
      const res = await fetch(`${url}/auth/verify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message, signature: await tc.signMessage(message) }) });
      expect(res.status).to.equal(200);
      const [name, value] = res.headers.get("set-cookie")!.split(";")[0]!.split("=");
      await context.addCookies([{ name: name!, value: value!, url }]);
      await page.goto(`${url}/#cluster`);
      await page.waitForSelector("#nodes tbody tr");
      const rows = await page.locator("#nodes tbody tr").allTextContents();
      expect(rows).to.have.length(3);
      expect(await page.textContent("#content")).to.match(/replicas agree\s*yes/);
      const heads = rows.map((r) => /(\d+ 0x[0-9a-f]{4}…[0-9a-f]{4})$/.exec(r)?.[1]);
      expect(heads[0]).to.be.a("string");
      expect(new Set(heads).size).to.equal(1);
      await page.screenshot({ path: path.join(SHOTS, "demo-cluster.png"), fullPage: true });
      await context.close();
    });

    it("stops every process it started and removes its directory on Ctrl-C (SIGINT)", async function () {
      expect(procs.length).to.be.greaterThan(10);
      demo.child.kill("SIGINT");
      expect(await demo.exited).to.equal(0);
      // The demo's own lines from the signal on: it announces the stop, names nothing it could not stop, and says it
      // stopped. (Lines that are not the demo's, such as a Node warning while its children go, may fall in between.)
      const lines = demo.stderr().split("\n");
      const from = lines.indexOf("demo: SIGINT: stopping every process the demo started…");
      expect(from, lines.slice(-8).join(" | ")).to.be.at.least(0);
      expect(lines.slice(from).filter((l) => l.startsWith("demo: ")), lines.slice(from).join(" | ")).to.deep.equal([
        "demo: SIGINT: stopping every process the demo started…",
        "demo: stopped",
      ]);
      expectNothingLeft(procs, dir);
      expect((await fetch(url).then(() => "answered", () => "refused"))).to.equal("refused");
    });
  });

  describe("when stopped (SIGTERM) while the case study runs", function () {
    it("stops what it had started and removes its directory", async function () {
      const demo = startDemoProcess(["--port", "0", "--no-case-b"]);
      let procs: Proc[] = [];
      try {
        await demo.waitFor(/Case A: list…/, START_MS);
        const { procs: started, dir } = snapshot(demo);
        procs = started;
        expect(started.filter((p) => /consensus\/bin\/orderer\.js/.test(p.args))).to.have.length(3);
        demo.child.kill("SIGTERM");
        expect(await demo.exited).to.equal(0);
        expect(demo.stdout()).not.to.match(/dashboard:/);
        expectNothingLeft(procs, dir);
      } finally {
        killAll(demo, procs);
      }
    });
  });

  it("explains itself and every flag with --help", async function () {
    const help = startDemoProcess(["--help"]);
    expect(await help.exited).to.equal(0);
    expect(help.stdout()).to.match(/^Usage: demo \[options\]/);
    for (const flag of ["--data <dir>", "--pricing <rule>", "--port <port>", "--no-case-b", "--cert-price <list>", "--orderer-nodes <n>", "--pool <k>", "--out <file>", "--link-minutes <m>"]) {
      expect(help.stdout()).to.contain(flag);
    }
    expect(help.stdout()).to.match(/sign-in link signs the trading centre in when opened once/);
  });

  describe("when an input is bad", function () {
    it("says so in one line and exits non-zero, before starting anything", async function () {
      const missing = path.join(os.tmpdir(), "dplc-demo-no-such-market");
      const bad = startDemoProcess(["--data", missing]);
      expect(await bad.exited).to.equal(1);
      expect(bad.stderr()).to.equal(`demo: ${missing}: no such market directory\n`);
      const server = net.createServer();
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const taken = startDemoProcess(["--port", String(port)]);
        expect(await taken.exited).to.equal(1);
        expect(taken.stderr()).to.equal(`demo: port ${port} on 127.0.0.1 is in use; pick another with --port\n`);
      } finally {
        server.close();
      }
      const flag = startDemoProcess(["--port", "eighty"]);
      expect(await flag.exited).to.equal(1);
      expect(flag.stderr()).to.equal('demo: --port "eighty": expected a whole number\n');
    });
  });
});
