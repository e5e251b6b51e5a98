package io.gearbox.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import tools.jackson.databind.node.ObjectNode;

/**
 * How busy the machine was while a benchmark ran, from the kernel's own counters: the CPU time of
 * every core ({@code /proc/stat}: busy, idle, and steal, the time a hypervisor gave this machine's
 * CPUs to someone else), this command's CPU time with that of its child JVMs once reaped
 * ({@code /proc/self/stat}: utime, stime, cutime, cstime), and the load average. The difference
 * between all busy time and this command's is what other processes used: the noise a verdict has
 * to be read against. The load average is recorded and printed, but does not make the machine
 * "busy": it counts runnable threads of every process, this command's and its children's
 * included, so a benchmark of 10,000 fetch threads raises it on an otherwise idle machine. Where
 * {@code /proc} is missing (not Linux) the figures are unknown (-1) and no warning is given.
 */
final class MachineLoad {

  /** Clock ticks per second of /proc's counters (USER_HZ, 100 on every Linux build that matters). */
  private static final double TICKS_PER_SECOND = 100;

  /** Other processes using more than this share of all cores on average make the machine busy. */
  static final double BUSY_OTHERS_SHARE = 0.25;

  /** More than this share of CPU time stolen by the hypervisor makes the machine busy. */
  static final double BUSY_STEAL_SHARE = 0.05;

  /**
   * The counters at one moment.
   *
   * @param nanos System.nanoTime()
   * @param busyTicks user + nice + system + irq + softirq of all cores, or -1
   * @param totalTicks all of /proc/stat's first line (busy, idle, iowait, steal), or -1
   * @param stealTicks steal of all cores, or -1
   * @param ownTicks utime + stime + cutime + cstime of this process, or -1
   * @param loadAverage the 1-minute load average, or -1
   */
  record Snapshot(long nanos, long busyTicks, long totalTicks, long stealTicks, long ownTicks,
      double loadAverage) {}

  /**
   * What the machine did between two snapshots.
   *
   * @param seconds wall time
   * @param cores the JVM's available processors
   * @param otherCores CPU used by other processes, in cores (0 to cores), or -1
   * @param ownCores CPU used by this command and its reaped child JVMs, in cores, or -1
   * @param stealShare the share of CPU time stolen by the hypervisor, or -1
   * @param loadStart the 1-minute load average at the start, or -1
   * @param loadEnd the 1-minute load average at the end, or -1
   */
  record Summary(double seconds, int cores, double otherCores, double ownCores, double stealShare,
      double loadStart, double loadEnd) {

    /**
     * Whether other processes' CPU or the hypervisor's steal make the timings suspect. The load
     * average is not a test of it: it counts this command's own threads and child JVMs too (the
     * high-scale row alone keeps thousands of threads runnable, load 24 on a quiet 2-core
     * machine), so it is reported as information only.
     */
    boolean busy() {
      return otherCores > BUSY_OTHERS_SHARE * cores || stealShare > BUSY_STEAL_SHARE;
    }

    /** One line for a warning, e.g. "other processes used 1.3 of 2 cores, load 4.7, steal 0%". */
    String describe() {
      StringBuilder s = new StringBuilder();
      if (otherCores >= 0) {
        s.append(String.format(Locale.ROOT, "other processes used %.1f of %d cores", otherCores, cores));
      }
      double load = Math.max(loadStart, loadEnd);
      if (load >= 0) {
        s.append(s.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "load %.1f", load));
      }
      if (stealShare >= 0) {
        s.append(s.isEmpty() ? "" : ", ")
            .append(String.format(Locale.ROOT, "steal %.0f%%", stealShare * 100));
      }
      return s.toString();
    }

    /** The summary as the JSON's "machine_during" object (docs/bench-json.md). */
    ObjectNode toJson() {
      ObjectNode json = Report.JSON.createObjectNode();
      json.put("seconds", round(seconds, 2));
      json.put("cores", cores);
      putOrNull(json, "other_cpu_cores", otherCores);
      putOrNull(json, "own_cpu_cores", ownCores);
      putOrNull(json, "steal_share", stealShare);
      putOrNull(json, "load_average_start", loadStart);
      putOrNull(json, "load_average_end", loadEnd);
      json.put("busy", busy());
      return json;
    }

    private static void putOrNull(ObjectNode json, String field, double value) {
      if (value < 0) {
        json.putNull(field);
      } else {
        json.put(field, round(value, 3));
      }
    }

    private static double round(double value, int places) {
      double f = Math.pow(10, places);
      return Math.round(value * f) / f;
    }
  }

  private final Snapshot start;

  private MachineLoad(Snapshot start) {
    this.start = start;
  }

  /** Starts watching: the counters now. */
  static MachineLoad start() {
    return new MachineLoad(snapshot());
  }

  /**
   * What happened since {@link #start()}. Child JVMs count as this command's once they have
   * exited and been waited for, so call it after the last one of the interval is done.
   */
  Summary stop() {
    return between(start, snapshot(), Runtime.getRuntime().availableProcessors());
  }

  /** The counters now. */
  static Snapshot snapshot() {
    long busy = -1;
    long total = -1;
    long steal = -1;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
        if (line.startsWith("cpu ")) {
          String[] f = line.substring(4).strip().split("\\s+");
          long[] v = new long[Math.min(f.length, 8)];
          for (int i = 0; i < v.length; i++) {
            v[i] = Long.parseLong(f[i]);
          }
          // user nice system idle iowait irq softirq steal (guest time is inside user)
          busy = v[0] + v[1] + v[2] + v[5] + v[6];
          steal = v.length > 7 ? v[7] : 0;
          total = busy + v[3] + v[4] + steal;
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      busy = total = steal = -1;
    }
    return new Snapshot(System.nanoTime(), busy, total, steal, ownTicks(), loadAverage());
  }

  /** The machine's 1-minute load average, or -1 where {@code /proc/loadavg} cannot be read. */
  static double loadAverage() {
    String line = ProcStats.firstLine("/proc/loadavg");
    try {
      return line == null ? -1 : Double.parseDouble(line.strip().split("\\s+")[0]);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** utime + stime + cutime + cstime of this process (fields 14 to 17 of /proc/self/stat), or -1. */
  static long ownTicks() {
    String[] f = ProcStats.selfStat();
    try {
      return f == null ? -1 : Long.parseLong(f[11]) + Long.parseLong(f[12])
          + Long.parseLong(f[13]) + Long.parseLong(f[14]);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** The summary of the interval between two snapshots on a machine of {@code cores}. */
  static Summary between(Snapshot a, Snapshot b, int cores) {
    double seconds = Math.max(1e-9, (b.nanos() - a.nanos()) / 1e9);
    double own = -1;
    double others = -1;
    double steal = -1;
    if (a.ownTicks() >= 0 && b.ownTicks() >= 0) {
      own = (b.ownTicks() - a.ownTicks()) / TICKS_PER_SECOND / seconds;
    }
    if (a.busyTicks() >= 0 && b.busyTicks() >= 0 && own >= 0) {
      double busy = (b.busyTicks() - a.busyTicks()) / TICKS_PER_SECOND / seconds;
      others = Math.clamp(busy - own, 0, cores);
    }
    long total = b.totalTicks() - a.totalTicks();
    if (a.stealTicks() >= 0 && b.stealTicks() >= 0 && total > 0) {
      steal = (double) (b.stealTicks() - a.stealTicks()) / total;
    }
    return new Summary(seconds, cores, others, own, steal, a.loadAverage(), b.loadAverage());
  }
}
