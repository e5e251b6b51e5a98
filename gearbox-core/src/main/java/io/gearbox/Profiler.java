package io.gearbox;

import io.gearbox.internal.auto.Measure;
import io.gearbox.internal.auto.Policy;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a task several times on a platform thread and measures where its time goes: the seed's
 * "profile your code", as a value. The verdict is the one the {@link AutoPool} would reach.
 *
 * <pre>{@code
 * TaskProfile p = Profiler.profile(() -> fetch(url), 20);
 * System.out.println(p.evidence());   // cpu 3%, waiting 97% over 20 runs -> virtual
 * }</pre>
 *
 * <p><b>Method.</b> The runs happen one after another on a new platform thread named
 * {@code gearbox-profiler-<n>}, where {@code ThreadMXBean} gives the thread's CPU time (on a
 * virtual thread JDK 25 reports -1) and {@code com.sun.management.ThreadMXBean} its allocated
 * bytes. The numbers include the first runs, JIT warm-up and all: profile enough runs, or warm
 * the task up first. Work the task hands to other threads is not counted as its CPU time.
 *
 * <p>Thread-safe: each call profiles on its own thread.
 */
public final class Profiler {

  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private Profiler() {}

  /**
   * Profiles {@code task} over {@code runs} runs; its key is its class name.
   *
   * @throws IllegalArgumentException if runs is less than 1
   * @throws InterruptedException if the caller is interrupted; the profiling thread is then
   *     interrupted and waited for
   */
  public static TaskProfile profile(Callable<?> task, int runs) throws InterruptedException {
    Objects.requireNonNull(task, "task");
    return profile(task.getClass().getName(), task, runs);
  }

  /**
   * Profiles {@code task} over {@code runs} runs under the given key.
   *
   * @throws IllegalArgumentException if runs is less than 1
   * @throws InterruptedException if the caller is interrupted; the profiling thread is then
   *     interrupted and waited for
   */
  public static TaskProfile profile(String key, Callable<?> task, int runs)
      throws InterruptedException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(task, "task");
    if (runs < 1) {
      throw new IllegalArgumentException("runs must be >= 1, was " + runs);
    }
    AtomicReference<TaskProfile> result = new AtomicReference<>();
    AtomicReference<Throwable> crash = new AtomicReference<>();
    Thread thread = Thread.ofPlatform()
        .name("gearbox-profiler-" + SEQUENCE.incrementAndGet())
        .unstarted(() -> {
          try {
            result.set(measure(key, task, runs));
          } catch (Throwable t) {
            crash.set(t);
          }
        });
    thread.start();
    try {
      thread.join();
    } catch (InterruptedException e) {
      thread.interrupt();
      boolean again = false;
      while (thread.isAlive()) {
        try {
          thread.join();
        } catch (InterruptedException ignored) {
          again = true;
        }
      }
      if (again) {
        Thread.currentThread().interrupt();
      }
      throw e;
    }
    if (crash.get() instanceof RuntimeException e) {
      throw e;
    }
    if (crash.get() instanceof Error e) {
      throw e;
    }
    return result.get();
  }

  private static TaskProfile measure(String key, Callable<?> task, int runs) {
    long wall = 0;
    long cpu = 0;
    long runQueue = 0;
    long allocated = 0;
    boolean cpuKnown = true;
    boolean allocKnown = true;
    int failures = 0;
    String firstFailure = null;
    int done = 0;
    long[] before = new long[2];
    long[] after = new long[2];
    try {
      for (int i = 0; i < runs && !Thread.currentThread().isInterrupted(); i++) {
        long a0 = Measure.allocatedBytes();
        boolean measured = Measure.sample(before);
        long t0 = System.nanoTime();
        try {
          task.call();
        } catch (Exception e) {
          if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
          }
          if (failures++ == 0) {
            firstFailure = e.getClass().getName() + ": " + e.getMessage();
          }
        }
        long t1 = System.nanoTime();
        measured &= Measure.sample(after);
        long a1 = Measure.allocatedBytes();
        wall += t1 - t0;
        cpuKnown &= measured;
        cpu += after[0] - before[0];
        runQueue += after[1] - before[1];
        allocKnown &= a0 >= 0 && a1 >= 0;
        allocated += a1 - a0;
        done++;
      }
    } finally {
      Measure.release();
    }
    if (done == 0) {
      done = 1; // interrupted before the first run: an empty profile
    }
    double share = cpuKnown ? Policy.share(cpu, Math.max(cpu, wall - runQueue)) : Double.NaN;
    PoolKind verdict = Double.isNaN(share) ? PoolKind.VIRTUAL : Policy.verdict(share);
    String evidence = Double.isNaN(share)
        ? "CPU time unavailable on this JVM over " + done + " runs -> virtual (unmeasured)"
        : Policy.evidence(share, done, verdict);
    return new TaskProfile(key, done, failures, firstFailure,
        Duration.ofNanos(wall / done),
        Duration.ofNanos(cpuKnown ? cpu / done : -1),
        Duration.ofNanos(cpuKnown ? Math.max(0, wall - cpu - runQueue) / done : wall / done),
        Duration.ofNanos(cpuKnown ? runQueue / done : 0),
        allocKnown ? allocated / done : -1,
        share, verdict, Measure.method() + ", one platform thread, " + done + " sequential runs",
        evidence);
  }
}
