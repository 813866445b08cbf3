import { expect } from "chai";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Teardown } from "../../src/demo/teardown";
import { checkDemoOptions, checkPortFree, type DemoInput } from "../../src/demo/options";
import { DataFormatError, InvalidArgumentError } from "../../src/errors";
import { ROOT } from "../helpers/cli";

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: Error) => err,
  );
}

describe("demo: teardown and input checks", function () {
  describe("Teardown", function () {
    it("runs every step once, newest first, even when one fails", async function () {
      const t = new Teardown();
      const ran: string[] = [];
      t.add("chains", () => void ran.push("chains"));
      t.add("relayer", () => {
        ran.push("relayer");
        throw new Error("already gone");
      });
      t.add("dashboard", async () => void ran.push("dashboard"));
      const [first, second] = [t.run(), t.run()];
      expect(await first).to.deep.equal(["relayer: already gone"]);
      expect(await second).to.deep.equal(["relayer: already gone"]);
      expect(ran).to.deep.equal(["dashboard", "relayer", "chains"]);
      expect(t.stopping).to.equal(true);
    });

    it("refuses a step added while stopping, so nothing started late is left running unseen", async function () {
      const t = new Teardown();
      await t.run();
      expect(() => t.add("late", () => undefined)).to.throw(/the demo is stopping/);
    });
  });

  describe("checkDemoOptions", function () {
    const input = (extra: Partial<DemoInput> = {}): DemoInput => ({ root: ROOT, port: "0", caseB: true, ...extra });

    it("defaults to the paper's case study, its pricing and certificate prices, 3 nodes with a pool of 2", async function () {
      const o = await checkDemoOptions(input());
      expect(o.dataDir).to.equal(path.join(ROOT, "data", "case-a"));
      expect(o.data.orders).to.have.length(12);
      expect(o.certPrices).to.deep.equal(["300", "400", "500"]);
      expect([o.nodes, o.pool, o.linkTtlMs]).to.deep.equal([3, 2, 600_000]);
      expect((await checkDemoOptions(input({ caseB: false }))).certPrices).to.deep.equal([]);
    });

    describe("when an input is bad", function () {
      it("names the missing market directory", async function () {
        const missing = path.join(os.tmpdir(), "dplc-demo-no-such-market");
        const err = await rejection(checkDemoOptions(input({ data: missing })));
        expect(err).to.be.instanceOf(DataFormatError);
        expect(err.message).to.equal(`${missing}: no such market directory`);
      });

      it("refuses a taken port before anything starts", async function () {
        const server = net.createServer();
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as net.AddressInfo).port;
        try {
          const err = await rejection(checkDemoOptions(input({ port: String(port) })));
          expect(err).to.be.instanceOf(InvalidArgumentError);
          expect(err.message).to.equal(`port ${port} on 127.0.0.1 is in use; pick another with --port`);
        } finally {
          server.close();
        }
        await checkPortFree(port);
      });

      it("refuses Case B's prices without Case B, a bad price list, port, cluster shape, link lifetime or pricing, and an unwritable --out", async function () {
        const cases: [Partial<DemoInput>, RegExp][] = [
          [{ caseB: false, certPrice: "300" }, /--cert-price is Case B's/],
          [{ certPrice: "300,,400" }, /empty price/],
          [{ pool: "4" }, /^--pool 4: must be at most 3$/],
          [{ nodes: "1", pool: "2" }, /^--pool 2: must be at most 1$/],
          [{ nodes: "0" }, /^--orderer-nodes 0: must be at least 1$/],
          [{ linkMinutes: "0" }, /^--link-minutes 0: must be at least 1$/],
          [{ port: "65536" }, /^--port 65536: must be at most 65535$/],
          [{ port: "eighty" }, /^--port "eighty": expected a whole number$/],
          [{ pricing: "cheapest" }, /^--pricing "cheapest": expected surplus-split, paper-table$/],
          [{ out: path.join(os.tmpdir(), "dplc-demo-no-such-dir", "out.json") }, /--out .*: directory .* does not exist/],
        ];
        for (const [extra, pattern] of cases) {
          const err = await rejection(checkDemoOptions(input(extra)));
          expect(err.message, JSON.stringify(extra)).to.match(pattern);
        }
        expect(fs.existsSync(path.join(os.tmpdir(), "dplc-demo-no-such-dir"))).to.equal(false);
      });
    });
  });
});
