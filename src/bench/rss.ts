import fs from "node:fs";

/**
 * Peak resident memory of processes, from Linux's /proc/<pid>/status (VmHWM, the high-water mark of RSS). A benchmark
 * resets the mark before a run (writing 5 to /proc/<pid>/clear_refs) so each run reports its own peak.
 */
export type Pid = number | "self";

/** The process's peak RSS in bytes since it started or since `resetPeakRss`; undefined where /proc cannot tell. */
export function peakRssBytes(pid: Pid): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Starts a new peak-RSS measurement for the process (a no-op where the kernel does not allow it). */
export function resetPeakRss(pid: Pid): void {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // Not Linux, or not our process: the peak then counts from the process's start.
  }
}
