package io.gearbox.internal.auto;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The current platform thread's CPU time and allocated bytes, where the JVM can tell them.
 *
 * <p>CPU time comes from {@code ThreadMXBean}, which answers -1 on a virtual thread in JDK 25:
 * this class answers -1 there without asking. Allocation comes from
 * {@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes} (module
 * {@code jdk.management}, in every full JDK); where that is missing or disabled, -1.
 */
public final class Measure {

  /** Names the method behind platform-thread measurements, as profiles and routes show it. */
  public static final String PLATFORM_CLOCK = "platform thread CPU clock (ThreadMXBean)";

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static final boolean CPU =
      MX.isCurrentThreadCpuTimeSupported() && MX.isThreadCpuTimeEnabled();
  private static final com.sun.management.ThreadMXBean ALLOC = allocationBean();

  private Measure() {}

  private static com.sun.management.ThreadMXBean allocationBean() {
    try {
      if (MX instanceof com.sun.management.ThreadMXBean bean
          && bean.isThreadAllocatedMemorySupported() && bean.isThreadAllocatedMemoryEnabled()) {
        return bean;
      }
    } catch (RuntimeException | LinkageError unavailable) {
      // a JVM without jdk.management's extension: allocation stays unknown
    }
    return null;
  }

  /** Whether this JVM reports thread CPU time. */
  public static boolean cpuSupported() {
    return CPU;
  }

  /** CPU time of the current thread in nanoseconds, or -1 (virtual thread, unsupported). */
  public static long cpuNanos() {
    if (!CPU || Thread.currentThread().isVirtual()) {
      return -1;
    }
    return MX.getCurrentThreadCpuTime();
  }

  /** Bytes allocated so far by the current platform thread, or -1. */
  public static long allocatedBytes() {
    if (ALLOC == null || Thread.currentThread().isVirtual()) {
      return -1;
    }
    try {
      return ALLOC.getCurrentThreadAllocatedBytes();
    } catch (RuntimeException e) {
      return -1;
    }
  }
}
