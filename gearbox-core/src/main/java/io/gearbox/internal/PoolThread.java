package io.gearbox.internal;

/**
 * A platform thread of a {@code threads} or {@code cpu} pool: a plain thread that carries its
 * pool's {@link WorkerTally} for it, so a run finds its counters with one field read instead of a
 * thread-local lookup.
 */
final class PoolThread extends Thread {

  private final ExecutorPool pool;
  private final WorkerTally tally;

  PoolThread(ExecutorPool pool, WorkerTally tally, Runnable work, String name) {
    super(null, work, name, 0);
    this.pool = pool;
    this.tally = tally;
  }

  /** The current thread's tally for {@code pool}, or null if it is not one of that pool's threads. */
  static WorkerTally tallyOf(ExecutorPool pool) {
    return Thread.currentThread() instanceof PoolThread t && t.pool == pool ? t.tally : null;
  }
}
