import { SingleBar, Presets } from "cli-progress";
import type { ProgressEvent, ProgressSink } from "../replay/progress";

/**
 * Shows replay progress on stderr: a bar per stage on a terminal, one line per stage change otherwise (CI logs).
 * Returns the sink and a function that closes the bar.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): { sink: ProgressSink; stop(): void } {
  let bar: SingleBar | undefined;
  let stage: ProgressEvent["stage"] | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const sink: ProgressSink = (e) => {
    if (e.stage !== stage) {
      stop();
      stage = e.stage;
      if (stream.isTTY && e.total !== undefined && e.total > 1) {
        bar = new SingleBar({ stream, format: `${e.stage.padEnd(8)} [{bar}] {value}/{total}`, hideCursor: true }, Presets.shades_classic);
        bar.start(e.total, 0);
      } else if (!stream.isTTY) {
        stream.write(`${e.stage}…\n`);
      }
    }
    if (bar !== undefined) {
      if (e.total !== undefined) bar.setTotal(e.total);
      bar.update(e.done);
    }
  };
  return { sink, stop };
}
