package io.gearbox.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The current thread's CPU time, where the JVM can tell it. Loaded lazily: pools that never
 * measure CPU time never pay for {@code java.management}.
 *
 * <p>On JDK 25 {@code ThreadMXBean.getCurrentThreadCpuTime()} returns -1 on a virtual thread, so
 * this answers -1 there without asking.
 */
final class CpuClock {

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static final boolean SUPPORTED =
      MX.isCurrentThreadCpuTimeSupported() && MX.isThreadCpuTimeEnabled();

  private CpuClock() {}

  /** Nanoseconds of CPU time of the current platform thread, or -1. */
  static long currentThreadCpuNanos() {
    if (!SUPPORTED || Thread.currentThread().isVirtual()) {
      return -1;
    }
    return MX.getCurrentThreadCpuTime();
  }
}
