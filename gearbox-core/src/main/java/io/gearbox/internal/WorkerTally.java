package io.gearbox.internal;

import io.gearbox.TimeHistogram;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counters of one pool thread: what its own runs add to the pool's stats (starts, successes,
 * failures, times, both histograms), written by that thread alone and summed by {@code stats()}.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>A tiny task made about a dozen atomic updates of the pool's shared {@link
 * java.util.concurrent.atomic.LongAdder}s as it started and ended (a CAS each, ~15 ns on our VMs,
 * and their cache lines shared by every thread of the pool). A pool thread instead adds to its own
 * counters with plain (opaque) writes: one writer, no atomic instruction, no shared line. Readers
 * read them opaquely, so a sum taken while tasks run may lag a little, like the sum of a
 * LongAdder; a task's counts are written before its handle completes, and completing it is a
 * release that the waiter's acquire pairs with, so a thread that has joined a task and then asks
 * for stats sees that task counted. Threads of other kinds (virtual threads, a CALLER_RUNS
 * submitter, the auto pool's threads) share a few tallies, striped by thread id, and write one
 * under its {@link #lock()} (ExecutorPool.stripeOfThisThread); transitions made by other threads
 * (cancel, deadlines) use the pool's shared adders.
 *
 * <p>The array is padded at both ends so that two threads' tallies never share a cache line.
 */
final class WorkerTally {

  static final int STARTED = 0;
  static final int SUCCEEDED = 1;
  static final int FAILED = 2;
  static final int QUEUED_NANOS = 3;
  static final int WALL_NANOS = 4;
  static final int CPU_NANOS = 5;
  static final int CPU_TASKS = 6;
  static final int CPU_WALL_NANOS = 7;
  /** In-flight permits this thread gave back (see {@link Admission}). */
  static final int RETURNED = 8;
  private static final int QUEUE_WAITS = 9;
  private static final int RUN_TIMES = QUEUE_WAITS + TimeHistogram.BUCKETS;
  private static final int SIZE = RUN_TIMES + TimeHistogram.BUCKETS;
  /** Longs of padding on each side: 128 bytes, two cache lines (adjacent-line prefetch). */
  private static final int PAD = 16;

  private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);

  private final long[] counts = new long[PAD + SIZE + PAD];

  /**
   * The lock of a tally shared by several threads (a stripe of {@code ExecutorPool}): the padded
   * array itself, so that no other stripe's data shares the lock word's cache line.
   */
  Object lock() {
    return counts;
  }

  /** Adds to one counter; only the owning thread calls this (or a holder of {@link #lock()}). */
  void add(int counter, long delta) {
    int i = PAD + counter;
    COUNTS.setOpaque(counts, i, (long) COUNTS.getOpaque(counts, i) + delta);
  }

  /** The measured times of one run ended on the owning thread. */
  void ran(long queuedNanos, long wallNanos) {
    add(QUEUED_NANOS, queuedNanos);
    add(WALL_NANOS, wallNanos);
    add(QUEUE_WAITS + TimeHistogram.bucketOf(queuedNanos), 1);
    add(RUN_TIMES + TimeHistogram.bucketOf(wallNanos), 1);
  }

  /** One counter, as far as this thread can see it now. */
  long get(int counter) {
    return (long) COUNTS.getOpaque(counts, PAD + counter);
  }

  /** Adds this tally's queue-wait histogram into {@code into} (TimeHistogram bucket layout). */
  void addQueueWaits(long[] into) {
    addBuckets(QUEUE_WAITS, into);
  }

  /** Adds this tally's run-time histogram into {@code into}. */
  void addRunTimes(long[] into) {
    addBuckets(RUN_TIMES, into);
  }

  private void addBuckets(int first, long[] into) {
    for (int b = 0; b < TimeHistogram.BUCKETS; b++) {
      into[b] += (long) COUNTS.getOpaque(counts, PAD + first + b);
    }
  }
}
