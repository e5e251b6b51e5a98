package io.gearbox.internal.auto;

import io.gearbox.internal.CpuClock;
import java.lang.management.ManagementFactory;

/**
 * What the auto pool and the profiler measure of a run on a platform thread: CPU time and
 * run-queue time through {@link CpuClock} (the one CPU clock and sampler of every pool; see there
 * why run-queue time is not waiting), and allocated bytes.
 *
 * <p><b>Pauses.</b> A run that the JVM stopped for a garbage collection spent the pause neither on a
 * CPU nor in the run queue, so its share counted the pause as the task's waiting: a 20 ms spin
 * around a 28 ms G1 pause (measured at load 15 on 2 cores, with a 4 MB heap) read 42%, a
 * waiting task's share. {@link #pauseNanos()} is the JVM's pause time so far, from the collectors'
 * {@code GarbageCollectorMXBean#getCollectionTime} (milliseconds): the collectors that stop the
 * application, i.e. all but the concurrent "Cycles" ones of ZGC and Shenandoah (G1's "Concurrent
 * GC" counts its Remark and Cleanup pauses). Reading it costs about a microsecond, so it is read
 * around probes and runs that are not tiny.
 *
 * <p><b>Allocation</b> comes from {@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}
 * (module {@code jdk.management}, in every full JDK); where that is missing or disabled, -1.
 *
 * <p>Public for io.gearbox.Profiler, which measures as the auto pool does; not exported.
 */
public final class Measure {

  private static final com.sun.management.ThreadMXBean ALLOC = allocationBean();
  private static final java.lang.management.GarbageCollectorMXBean[] PAUSING = pausingCollectors();

  private Measure() {}

  private static com.sun.management.ThreadMXBean allocationBean() {
    try {
      if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
          && bean.isThreadAllocatedMemorySupported() && bean.isThreadAllocatedMemoryEnabled()) {
        return bean;
      }
    } catch (RuntimeException | LinkageError unavailable) {
      // a JVM without jdk.management's extension: allocation stays unknown
    }
    return null;
  }

  private static java.lang.management.GarbageCollectorMXBean[] pausingCollectors() {
    try {
      return ManagementFactory.getGarbageCollectorMXBeans().stream()
          .filter(gc -> !gc.getName().endsWith("Cycles"))
          .toArray(java.lang.management.GarbageCollectorMXBean[]::new);
    } catch (RuntimeException | LinkageError unavailable) {
      return new java.lang.management.GarbageCollectorMXBean[0];
    }
  }

  /**
   * The JVM's garbage-collection pause time so far, in nanoseconds (millisecond-grained), or -1
   * where no collector tells.
   */
  static long pauseNanos() {
    long millis = 0;
    boolean known = false;
    for (java.lang.management.GarbageCollectorMXBean gc : PAUSING) {
      long t = gc.getCollectionTime();
      if (t >= 0) {
        millis += t;
        known = true;
      }
    }
    return known ? millis * 1_000_000 : -1;
  }

  /**
   * Reads the current platform thread's CPU time into {@code out[0]} and its run-queue time into
   * {@code out[1]}: {@link CpuClock#sample}.
   *
   * @return false if CPU time is unknown (virtual thread, unsupported); out is then untouched
   */
  public static boolean sample(long[] out) {
    return CpuClock.sample(out);
  }

  /** Closes the current thread's schedstat file, if it opened one (threads that end soon). */
  public static void release() {
    CpuClock.release();
  }

  /** Names the method behind platform-thread measurements, as profiles and routes show it. */
  public static String method() {
    return CpuClock.method();
  }

  /** CPU time of the current thread in nanoseconds, or -1 (virtual thread, unsupported). */
  static long cpuNanos() {
    return CpuClock.currentThreadCpuNanos();
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
