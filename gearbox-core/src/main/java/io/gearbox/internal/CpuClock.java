package io.gearbox.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The current thread's CPU time, where the JVM can tell it, and the sampling that keeps reading it
 * cheap. Loaded lazily: pools that never measure CPU time never pay for {@code java.management}.
 *
 * <p>On JDK 25 {@code ThreadMXBean.getCurrentThreadCpuTime()} returns -1 on a virtual thread, so
 * this answers -1 there without asking.
 *
 * <p><b>Sampling.</b> A thread's CPU clock is a system call (about 1.5 us on our VMs), as long as
 * a tiny task itself. So each pool thread measures every task while its tasks are long, and when
 * its last task ran under {@link #TINY_TASK_NANOS} it measures only one task in
 * {@link #TINY_TASK_SAMPLING}: a stream of tiny tasks is still sampled, at a 64th of the cost, and
 * the first longer task puts the thread back to measuring every task. Unmeasured tasks report -1.
 */
public final class CpuClock {

  /** Tasks shorter than this (wall time), 50 us, are "tiny". */
  static final long TINY_TASK_NANOS = 50_000;

  /** While tasks are tiny, one in this many, 64, is measured. */
  static final int TINY_TASK_SAMPLING = 64;

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static final boolean SUPPORTED =
      MX.isCurrentThreadCpuTimeSupported() && MX.isThreadCpuTimeEnabled();
  private static final ThreadLocal<Sampler> SAMPLERS = ThreadLocal.withInitial(Sampler::new);

  private CpuClock() {}

  /** Nanoseconds of CPU time of the current platform thread, or -1. */
  public static long currentThreadCpuNanos() {
    if (!SUPPORTED || Thread.currentThread().isVirtual()) {
      return -1;
    }
    return MX.getCurrentThreadCpuTime();
  }

  /** The current thread's sampler. */
  static Sampler sampler() {
    return SAMPLERS.get();
  }

  /** Per-thread sampling state; used by its own thread only. */
  static final class Sampler {
    private boolean lastWasTiny;
    private int skipped;

    /** Whether to measure the task about to run on this thread. */
    boolean measureNext() {
      if (!lastWasTiny) {
        return true;
      }
      if (++skipped >= TINY_TASK_SAMPLING) {
        skipped = 0;
        return true;
      }
      return false;
    }

    /** Records the wall time of the task that just ran on this thread. */
    void ran(long wallNanos) {
      lastWasTiny = wallNanos < TINY_TASK_NANOS;
    }
  }
}
