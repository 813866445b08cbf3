import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther } from "ethers";
import { approveEscrow, curtailTrades, listOrder, revealOrder, runMatching } from "../../src/actions";
import { Names, readRound } from "../../dashboard/views/market";
import { admittedFixture, order, seal } from "../helpers/market-round";

/** A round matched once (B1 buys 40 MWh of W1), then, for `mwh` above 0, curtailed by `mwh` and matched again. */
async function curtailedRound(mwh: bigint) {
  const f = await admittedFixture();
  const { sys, client, consumer, wind } = f;
  await approveEscrow(client, consumer);
  const bid = await seal(client, consumer, order(100n, "5", 40n), parseEther("600000"));
  const ask = await seal(client, wind, order(50n, "3.5"));
  const buyer = await listOrder(client, consumer, bid);
  const seller = await listOrder(client, wind, ask);
  await time.increase(3600);
  await revealOrder(client, consumer, buyer.orderId, bid);
  await revealOrder(client, wind, seller.orderId, ask);
  await time.increase(3600);
  await runMatching(client, sys.admin, { steps: 40, untilDone: true });
  if (mwh > 0n) {
    await curtailTrades(client, sys.dispatch, [{ tradeId: 0n, mwh }]);
    await runMatching(client, sys.admin, { steps: 40, untilDone: true });
  }
  return f;
}

/** Named fixtures: loadFixture snapshots each once. */
const curtailedBy10 = () => curtailedRound(10n);
const curtailedBy40 = () => curtailedRound(40n);
const uncurtailed = () => curtailedRound(0n);

describe("dashboard/views/market: a round as the round page shows it", function () {
  describe("when the dispatch centre curtailed a trade", function () {
    it("shows the MWh taken off beside what is left, and keeps the totals to what is left", async function () {
      const { sys } = await loadFixture(curtailedBy10);
      const round = (await readRound(sys, new Names(sys)))!;
      const trade = round.matches.find((m) => m.tradeId === 0)!;
      expect(trade).to.include({ buyer: "B1", seller: "W1", curtailedMwh: 10, mwh: 30 });
      expect(round.totals.B1!.mwh).to.equal(round.matches.filter((m) => m.buyer === "B1").reduce((a, m) => a + m.mwh, 0));
    });

    it("keeps a trade curtailed to nothing in the table, with 0 MWh left", async function () {
      const { sys } = await loadFixture(curtailedBy40);
      const round = (await readRound(sys, new Names(sys)))!;
      expect(round.matches.find((m) => m.tradeId === 0)).to.include({ curtailedMwh: 40, mwh: 0 });
    });
  });

  it("reports no curtailment for a trade nobody curtailed", async function () {
    const { sys } = await loadFixture(uncurtailed);
    const round = (await readRound(sys, new Names(sys)))!;
    expect(round.matches).to.have.length(1);
    expect(round.matches[0]).to.include({ buyer: "B1", seller: "W1", curtailedMwh: 0, mwh: 40 });
  });
});
