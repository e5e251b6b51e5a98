package io.gearbox.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the kernel says about this process: resident memory (now and peak) from
 * {@code /proc/self/status}, and CPU time of the whole process (every thread: platform, virtual
 * threads' carriers, GC and JIT). Process-wide CPU time is the only honest figure for virtual
 * threads, whose per-thread CPU time the JVM reports as -1.
 */
final class ProcStats {

  private static final Path STATUS = Path.of("/proc/self/status");

  private ProcStats() {}

  /** Peak resident set size (VmHWM) in KiB, or -1 where /proc is missing. */
  static long peakRssKb() {
    return statusField("VmHWM:");
  }

  /** Current resident set size (VmRSS) in KiB, or -1. */
  static long rssKb() {
    return statusField("VmRSS:");
  }

  /**
   * CPU time of the whole process in nanoseconds, plus that of its child processes that have
   * exited and been reaped (a process pool's workers, once the pool is closed), or -1.
   */
  static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime() + reapedChildrenCpuNanos();
    }
    return -1;
  }

  /**
   * Milliseconds the JIT compilers have spent compiling since the JVM started (summed over the
   * compiler threads), or -1 where the JVM does not say.
   */
  static long jitMillis() {
    java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported()
        ? jit.getTotalCompilationTime() : -1;
  }

  /** cutime + cstime from /proc/self/stat (clock ticks of 10 ms), or 0 where unavailable. */
  static long reapedChildrenCpuNanos() {
    String[] f = selfStat();
    try {
      return f == null ? 0 : (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10_000_000L;
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /**
   * The fields of /proc/self/stat after the command name (which is in parentheses and may hold
   * spaces): index 11 is utime, 12 stime, 13 cutime, 14 cstime (fields 14-17 of proc(5)); null
   * where it cannot be read.
   */
  static String[] selfStat() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).strip().split("\\s+");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static long statusField(String name) {
    try {
      List<String> lines = Files.readAllLines(STATUS);
      for (String line : lines) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.substring(name.length()).replace("kB", "").strip());
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or an unexpected format
    }
    return -1;
  }

  /** A line of /proc/self/limits, e.g. "Max open files", as "soft/hard", or "unknown". */
  static String limit(String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith(name)) {
          String[] parts = line.substring(name.length()).strip().split("\\s+");
          return parts.length >= 2 ? parts[0] + "/" + parts[1] : "unknown";
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return "unknown";
  }

  /** The first line of a file such as /proc/sys/net/core/somaxconn, or "unknown". */
  static String firstLine(String file) {
    try {
      List<String> lines = Files.readAllLines(Path.of(file));
      return lines.isEmpty() ? "unknown" : lines.getFirst().strip();
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
