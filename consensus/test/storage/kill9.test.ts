import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { FileStorage } from "../../src/storage/file-storage";
import { tempDir } from "./helpers";
import { runAndKill } from "../helpers/run-and-kill";

const WRITER = path.join(__dirname, "fixtures", "wal-writer.ts");

describe("FileStorage crash recovery (kill -9 of a writing process)", function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(function () {
    dir = tempDir("kill9");
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every acknowledged save across three kill -9 and restart cycles", async function () {
    const acked: number[] = [];
    for (let round = 0; round < 3; round++) {
      acked.push(...(await runAndKill(WRITER, dir, 300, 30_000)));
      const s = FileStorage.open(dir);
      try {
        const maxAck = Math.max(...acked);
        expect(s.lastIndex()).to.be.at.least(maxAck);
        expect(s.firstIndex()).to.equal(1);
        const ents = s.entries(1, maxAck + 1);
        ents.forEach((e, k) => {
          expect(e.index).to.equal(k + 1);
          expect(Buffer.from(e.data).toString().startsWith(`entry-${k + 1}-`)).to.equal(true);
        });
        expect(s.initialState().hardState.term).to.equal(round + 1);
        expect(s.initialState().hardState.commit).to.be.at.least(maxAck - 1);
      } finally {
        s.close();
      }
    }
    expect(new Set(acked).size).to.equal(acked.length);
  });
});
