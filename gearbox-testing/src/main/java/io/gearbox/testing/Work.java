package io.gearbox.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;

/** Test workloads: a task that computes and one that waits, as in gearbox-core's tests. */
public final class Work {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private Work() {}

  /**
   * Burns {@code d} of this thread's CPU time (so a loaded machine stretches it instead of
   * shrinking the computation); on a virtual thread, whose CPU clock reads -1, spins for {@code d}
   * of wall time.
   */
  public static long spin(Duration d) {
    long x = 0;
    long cpu = THREADS.getCurrentThreadCpuTime();
    if (cpu < 0) {
      long end = System.nanoTime() + d.toNanos();
      while (System.nanoTime() < end) {
        x += Long.numberOfTrailingZeros(x + System.nanoTime());
      }
      return x;
    }
    long end = cpu + d.toNanos();
    while (THREADS.getCurrentThreadCpuTime() < end) {
      for (int i = 0; i < 1_000; i++) {
        x += Long.numberOfTrailingZeros(x + i);
      }
    }
    return x;
  }

  /** Waits {@code d}, as an I/O call would; returns its milliseconds. */
  public static long nap(Duration d) throws InterruptedException {
    Thread.sleep(d);
    return d.toMillis();
  }
}
