import { expect } from "chai";
import { bestAhead, formatRuns, runBest, summarizeCells, type CellRow, type RunResult } from "../../bench/runs";

const row = (system: CellRow["system"], clients: number, txPerSec: number, nodes = 3): CellRow => ({ system, nodes, clients, txPerSec, p50Ms: 1, p99Ms: 2 });
const run = (cells: [number, number, number][], checkPerf: number[] = []): RunResult => ({
  rows: cells.flatMap(([clients, orderer, etcd]) => [row("orderer", clients, orderer), row("etcd", clients, etcd)]),
  checkPerf: checkPerf.map((writesPerSec) => ({ load: "xl", writesPerSec })),
});

// Issue 16: the orderer beats etcd at every concurrency in every run, each cell's runs within 1.3× of each other.
describe("bench/runs: repeated bench:consensus runs", function () {
  describe("when the orderer is ahead in every cell of every run", function () {
    const runs = [run([[1, 900, 800], [64, 5500, 5300]], [5200]), run([[1, 950, 790], [64, 5600, 5250]], [5100])];

    it("lists each cell's runs in order with their spread", function () {
      const [one, sixtyFour] = summarizeCells(runs);
      expect(one).to.deep.include({ nodes: 3, clients: 1, orderer: [900, 950], etcd: [800, 790], ordererAhead: 2, compared: 2 });
      expect(one!.ordererSpread).to.be.closeTo(950 / 900, 1e-12);
      expect(sixtyFour!.etcdSpread).to.be.closeTo(5300 / 5250, 1e-12);
    });

    it("says so in the verdict lines", function () {
      const text = formatRuns(runs);
      expect(text).to.include("every cell, every run: orderer ahead");
      expect(text).to.include("orderer spread per cell ≤ 1.3×: yes");
      expect(text).to.include("orderer ahead in 2 of 2 run(s)");
      expect(text).to.include("| 3 | 1 | 900 / 950 | 950 | 1.06× | 800 / 790 | 800 | 1.01× | 2 of 2 |");
    });
  });

  describe("when etcd wins one cell in one run", function () {
    const runs = [run([[1, 900, 800]]), run([[1, 780, 790]]), run([[1, 910, 805]])];

    it("counts the lost run and flags the verdict", function () {
      expect(summarizeCells(runs)[0]).to.deep.include({ ordererAhead: 2, compared: 3 });
      expect(formatRuns(runs)).to.include("ETCD AHEAD in some");
    });

    it("counts a tie as not ahead", function () {
      expect(summarizeCells([run([[1, 800, 800]])])[0]).to.deep.include({ ordererAhead: 0, compared: 1 });
    });
  });

  describe("when a cell's runs spread by more than 1.3×", function () {
    it("marks the cell and the verdict", function () {
      const text = formatRuns([run([[16, 1000, 900]]), run([[16, 1400, 900]])]);
      expect(text).to.include("1.40× (over 1.3)");
      expect(text).to.include("orderer spread per cell ≤ 1.3×: NO");
    });

    it("keeps a spread of exactly 1.3× within the bound", function () {
      expect(formatRuns([run([[16, 1000, 900]]), run([[16, 1300, 900]])])).to.include("orderer spread per cell ≤ 1.3×: yes");
    });
  });

  describe("when etcd's own load generator beats the orderer's best cell", function () {
    it("does not count that run as best ahead", function () {
      const runs = [run([[64, 5500, 5300]], [5600]), run([[64, 5500, 5300]], [5400])];
      expect(bestAhead(runs)).to.deep.equal({ ahead: 1, compared: 2 });
    });

    it("names the rival that beat it", function () {
      expect(runBest(run([[64, 5500, 5300]], [5600]))).to.deep.equal({ best: 5500, rival: 5600, what: "etcdctl check perf --load=xl", ahead: false });
      expect(runBest(run([[1, 900, 800], [64, 5500, 5300]]))).to.deep.equal({ best: 5500, rival: 5300, what: "etcd 64 clients", ahead: true });
    });
  });

  describe("when etcd was not run", function () {
    it("compares nothing and says so", function () {
      const runs: RunResult[] = [{ rows: [row("orderer", 64, 5000)], checkPerf: [] }];
      expect(summarizeCells(runs)[0]).to.deep.include({ etcd: [], etcdSpread: null, compared: 0 });
      expect(bestAhead(runs)).to.deep.equal({ ahead: 0, compared: 0 });
      expect(runBest(runs[0]!)).to.equal(null);
      expect(formatRuns(runs)).to.include("no etcd cells to compare");
    });
  });

  describe("when orderer cells of 5 nodes sit beside the 3-node ones", function () {
    it("compares both with etcd's 3-node cell at the same concurrency", function () {
      const runs: RunResult[] = [{ rows: [row("orderer", 64, 5000), row("orderer", 64, 4000, 5), row("etcd", 64, 4500)], checkPerf: [] }];
      const cells = summarizeCells(runs);
      expect(cells.map((c) => [c.nodes, c.ordererAhead])).to.deep.equal([[3, 1], [5, 0]]);
    });
  });
});
