import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { InvalidArgumentError } from "../../src/errors";
import { accountArg, addressArg, codeArg, countArg, integerArg, outputFileArg, parseCuts, unitArg } from "../../src/cli/args";
import { parseRmb } from "../../src/units";

const A = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";

describe("command-line arguments (src/cli/args)", function () {
  it("reads whole numbers in range and names the flag otherwise", function () {
    expect(integerArg("--order", "7", 1n)).to.equal(7n);
    expect(() => integerArg("--order", "-1")).to.throw(InvalidArgumentError, '--order "-1": expected a whole number');
    expect(() => integerArg("--order", "0", 1n)).to.throw(InvalidArgumentError, "--order 0: must be at least 1");
    expect(() => integerArg("--order", (2n ** 256n).toString())).to.throw(InvalidArgumentError, /must be at most/);
    expect(countArg("--steps", "40", 1)).to.equal(40);
    expect(() => countArg("--port", "65536", 1, 65535)).to.throw(InvalidArgumentError, "--port 65536: must be at most 65535");
  });

  it("reads accounts by index or checksummed address", function () {
    expect(accountArg("--from", "1", ["0x01", A])).to.equal(A);
    expect(accountArg("--from", A.toLowerCase(), [])).to.equal(A);
    expect(() => accountArg("--from", "2", ["0x01"])).to.throw(InvalidArgumentError, "--from 2: the network has 1 accounts");
    expect(() => addressArg("--account", "0x123")).to.throw(InvalidArgumentError, /20-byte address/);
    // A mixed-case address with a wrong checksum is a typo, not an address.
    expect(() => addressArg("--account", A.replace("EA", "ea"))).to.throw(InvalidArgumentError, /20-byte address/);
  });

  it("keeps bytes32 text within 31 bytes, counting UTF-8 bytes", function () {
    expect(codeArg("--code", "x".repeat(31))).to.have.length(31);
    expect(() => codeArg("--code", "é".repeat(16))).to.throw(InvalidArgumentError, /at most 31 bytes/);
    expect(() => codeArg("--code", "")).to.throw(InvalidArgumentError, "--code: must not be empty");
  });

  it("puts the flag in front of a unit's own message", function () {
    expect(unitArg("--rmb", "1.5", parseRmb)).to.equal(15n * 10n ** 17n);
    expect(() => unitArg("--rmb", "1.555", parseRmb)).to.throw(InvalidArgumentError, '--rmb: invalid value "1.555": at most 2 decimal places allowed');
  });

  it("reads curtailments as trade id and MWh", function () {
    expect(parseCuts("--cuts", "0:100, 3:50")).to.deep.equal([{ tradeId: 0n, mwh: 100n }, { tradeId: 3n, mwh: 50n }]);
    expect(() => parseCuts("--cuts", "3")).to.throw(InvalidArgumentError, '--cuts: "3" is not tradeId:MWh');
    expect(() => parseCuts("--cuts", "1:0")).to.throw(InvalidArgumentError, /--cuts MWh: .*at least 1 MWh/);
  });

  it("checks an output file can be written before the work starts", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-args-"));
    expect(outputFileArg("--out", path.join(dir, "a.json"))).to.equal(path.join(dir, "a.json"));
    expect(() => outputFileArg("--out", dir)).to.throw(InvalidArgumentError, `--out ${dir}: is a directory`);
    expect(() => outputFileArg("--out", path.join(dir, "no", "a.json"))).to.throw(InvalidArgumentError, /directory .* does not exist/);
    fs.rmSync(dir, { recursive: true });
  });
});
