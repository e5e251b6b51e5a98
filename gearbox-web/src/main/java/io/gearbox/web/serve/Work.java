package io.gearbox.web.serve;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The CPU work of the service's routes, written to stop when cancelled: both check the thread's
 * interrupt flag every few hundred microseconds and throw {@link InterruptedException}.
 *
 * <p>Thread-safe (stateless).
 */
public final class Work {

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static final long SUM_CHUNK = 1L << 20;

  private Work() {}

  /**
   * The seed's {@code compute_heavy}: {@code sum(range(n))}, the sum of 0..n-1, added one by one.
   *
   * @throws InterruptedException if the thread is interrupted (checked every 2^20 additions)
   */
  public static long sumRange(long n) throws InterruptedException {
    long sum = 0;
    for (long start = 0; start < n; start += SUM_CHUNK) {
      long end = Math.min(n, start + SUM_CHUNK);
      for (long i = start; i < end; i++) {
        sum += i;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException("sum_range(" + n + ") cancelled at " + end);
      }
    }
    return sum;
  }

  /**
   * Keeps the CPU busy for {@code millis} ms of this thread's CPU time, the same work in any
   * language; returns the CPU milliseconds spent. On a platform thread it reads the thread's CPU
   * clock; a virtual thread has none (the JDK reports -1), so there it spins for {@code millis} of
   * wall time: a spinning virtual thread is never unmounted, so its carrier computes throughout
   * unless the operating system takes the core away.
   *
   * @throws InterruptedException if the thread is interrupted (checked about every 50 us)
   */
  public static double burn(long millis) throws InterruptedException {
    boolean cpuClock = !Thread.currentThread().isVirtual() && MX.isCurrentThreadCpuTimeSupported();
    long start = cpuClock ? MX.getCurrentThreadCpuTime() : System.nanoTime();
    long goal = millis * 1_000_000L;
    long spent = 0;
    long sink = 0;
    while (spent < goal) {
      for (int i = 0; i < 20_000; i++) { // about 50 us of work between clock reads
        sink += (sink ^ i) * 31 + i;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException("burn(" + millis + " ms) cancelled");
      }
      spent = (cpuClock ? MX.getCurrentThreadCpuTime() : System.nanoTime()) - start;
    }
    if (sink == 42) { // keeps the loop from being optimised away; practically never true
      Thread.onSpinWait();
    }
    return spent / 1e6;
  }
}
