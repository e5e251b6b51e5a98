package io.gearbox.internal;

import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bound on a pool's tasks in flight ({@code maxInFlight}): what a {@link
 * java.util.concurrent.Semaphore} did, with the two ends on different cache lines.
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>Why not a Semaphore.</b> Submitters took a permit and pool threads gave it back with a CAS
 * on the same word, so with tasks of a fraction of a microsecond the word moved between cores
 * twice a task; JFR put a third of the pool threads' samples of {@code gearbox bench overhead}
 * (cpu pool) in {@code Semaphore.release}.
 *
 * <p><b>Two counts.</b> {@code admitted}: permits taken, only ever raised, by a CAS of the
 * submitters. Returned permits: counted in the {@link WorkerTally} of the thread that ran the task
 * (its own, a plain write; or a stripe of the pool's, under its lock), then {@link #returned()}
 * wakes a blocked submitter; by any other thread (a task ended while queued, or cancelled while
 * running and exiting later, shutdownNow) in a {@link LongAdder} through {@link #release}. In flight = admitted - returned. A submitter keeps {@code returnedSeen}, a
 * sum of the returned counts read earlier, and only re-reads them (a few cache lines) when {@code
 * admitted - returnedSeen} reaches the bound. Since every count only grows, {@code returnedSeen}
 * never exceeds the true number returned, so the test never admits beyond the bound; a task is
 * refused only after a fresh sum, which is as exact as the Semaphore's count was (a permit comes
 * back a moment after the task's handle completes, in both).
 *
 * <p><b>Blocking.</b> A BLOCK submitter that finds no room registers in {@code blocked} and waits
 * on {@code lock}, re-checking under it. A thread that returns a permit counts it, then (after a
 * full fence, pairing with the waiter's increment of {@code blocked} before its re-check) reads
 * {@code blocked} and, if someone waits, notifies under the lock. Either the waiter sees the
 * permit or the returner sees the waiter. {@link #close()} wakes every waiter for good: they return
 * false and the pool refuses their tasks.
 */
final class Admission {

  private final long max;
  private final List<WorkerTally> tallies;
  /**
   * The count of permits taken, alone in the middle of an array so that no other data shares its
   * cache lines (the pool threads' reads of {@code blocked} would otherwise pull it away from the
   * submitter): index {@link #ADMITTED}, accessed through {@link #CELL}.
   */
  private final long[] admitted = new long[2 * ADMITTED + 1];
  private final LongAdder returnedElsewhere = new LongAdder();
  /** A lower bound of the permits returned: a sum read earlier. */
  private volatile long returnedSeen;
  private final AtomicInteger blocked = new AtomicInteger();
  private final Object lock = new Object();
  private volatile boolean closed;

  /**
   * @param max the bound on tasks in flight
   * @param tallies the pool threads' counters, where they count the permits they return
   */
  Admission(int max, List<WorkerTally> tallies) {
    this.max = max;
    this.tallies = tallies;
  }

  /** Takes a permit if one is free now. */
  boolean tryAcquire() {
    for (; ; ) {
      long a = (long) CELL.getVolatile(admitted, ADMITTED);
      if (a - returnedSeen >= max && a - refreshReturned() >= max) {
        return false;
      }
      if (CELL.compareAndSet(admitted, ADMITTED, a, a + 1)) {
        return true;
      }
    }
  }

  /**
   * Takes a permit, waiting for one if needed.
   *
   * @return true with a permit; false if {@link #close()} was called before one came
   * @throws InterruptedException if interrupted while waiting (no permit is taken)
   */
  boolean acquire() throws InterruptedException {
    if (tryAcquire()) {
      return true;
    }
    synchronized (lock) {
      blocked.incrementAndGet(); // a full fence: pairs with the one in release
      try {
        for (; ; ) {
          if (closed) {
            return false;
          }
          if (tryAcquire()) {
            return true;
          }
          lock.wait();
        }
      } finally {
        blocked.decrementAndGet();
      }
    }
  }

  /**
   * Gives a permit back.
   *
   * @param tally the current thread's own counters if it is one of the pool's threads, else null
   */
  void release(WorkerTally tally) {
    if (tally != null) {
      tally.add(WorkerTally.RETURNED, 1);
      VarHandle.fullFence(); // the count before the read of blocked (a waiter does the reverse)
    } else {
      returnedElsewhere.increment(); // a CAS: a full fence too
    }
    if (blocked.get() > 0) {
      synchronized (lock) {
        lock.notifyAll();
      }
    }
  }

  /**
   * A permit was given back and counted in a {@link WorkerTally} by the caller (which must
   * already be visible to {@link #refreshReturned()}): wakes a blocked submitter if any.
   */
  void returned() {
    VarHandle.fullFence(); // the count before the read of blocked (a waiter does the reverse)
    if (blocked.get() > 0) {
      synchronized (lock) {
        lock.notifyAll();
      }
    }
  }

  /** Wakes every waiting submitter for good: from now on, {@link #acquire()} returns false. */
  void close() {
    closed = true;
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /** Re-reads the returned counts; returns the new lower bound. */
  private long refreshReturned() {
    long sum = returnedElsewhere.sum();
    for (WorkerTally t : tallies) {
      sum += t.get(WorkerTally.RETURNED);
    }
    long seen = returnedSeen;
    while (sum > seen) { // only ever raised: another submitter may have read a newer sum
      if (RETURNED_SEEN.compareAndSet(this, seen, sum)) {
        return sum;
      }
      seen = returnedSeen;
    }
    return seen;
  }

  /** 15 longs (120 bytes) on either side of the count. */
  private static final int ADMITTED = 15;
  private static final VarHandle CELL = java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle RETURNED_SEEN;

  static {
    try {
      RETURNED_SEEN = java.lang.invoke.MethodHandles.lookup()
          .findVarHandle(Admission.class, "returnedSeen", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
