package io.gearbox.internal;

/**
 * A platform thread of a {@code threads} or {@code cpu} pool: a plain thread that carries its
 * pool's {@link WorkerTally} and its {@link CpuClock.Sampler} for it, so a run finds both with a
 * field read each instead of thread-local lookups.
 */
final class PoolThread extends Thread {

  private final ExecutorPool pool;
  private final WorkerTally tally;
  /** This thread's sampler (the one {@link CpuClock#sampler()} holds for it), made on first use. */
  private CpuClock.Sampler sampler;

  PoolThread(ExecutorPool pool, WorkerTally tally, Runnable work, String name) {
    super(null, work, name, 0);
    this.pool = pool;
    this.tally = tally;
  }

  /** The current thread if it is one of {@code pool}'s threads, else null. */
  static PoolThread of(ExecutorPool pool) {
    return Thread.currentThread() instanceof PoolThread t && t.pool == pool ? t : null;
  }

  /** This thread's counters. */
  WorkerTally tally() {
    return tally;
  }

  /** This thread's CPU sampler; call on this thread only. */
  CpuClock.Sampler sampler() {
    CpuClock.Sampler s = sampler;
    if (s == null) {
      s = CpuClock.sampler();
      sampler = s;
    }
    return s;
  }
}
