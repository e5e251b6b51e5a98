package io.gearbox.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The tasks a pool has admitted whose code has not exited: added by submitters, removed by pool
 * threads, listed only by shutdownNow and stats().
 *
 * <h2>Implementation overview</h2>
 *
 * <p>An intrusive doubly-linked list split into stripes, each guarded by its own monitor; a task
 * goes to the stripe of its id, and its links live in the task itself ({@link TaskRun#inFlightPrev},
 * {@link TaskRun#inFlightNext}, {@link TaskRun#inFlightLinked}, guarded by that stripe's lock).
 * Adding and removing are O(1) with no allocation, and consecutive ids spread over the stripes, so
 * a submitter and the threads finishing earlier tasks rarely meet on a lock. It replaced a
 * {@code ConcurrentHashMap} key set whose hashing, node allocation, size counting and resizing were
 * the largest per-task cost of the pool (JFR samples of {@code gearbox bench overhead}).
 *
 * <p>Listing locks one stripe at a time: a snapshot is exact per stripe, and a task added or
 * removed during a listing may or may not appear. shutdownNow relies only on the handshake
 * described in {@link ExecutorPool}: a submitter links its task, then re-reads the run state; the
 * stripe lock orders that against shutdownNow's state write and its listing.
 */
final class InFlightSet {

  private static final class Stripe {
    TaskRun<?> head; // guarded by this
  }

  private final Stripe[] stripes;
  private final int mask;

  InFlightSet() {
    int n = Integer.highestOneBit(Math.max(4, Runtime.getRuntime().availableProcessors() * 4) - 1) << 1;
    n = Math.min(n, 64);
    stripes = new Stripe[n];
    for (int i = 0; i < n; i++) {
      stripes[i] = new Stripe();
    }
    mask = n - 1;
  }

  private Stripe stripeOf(TaskRun<?> run) {
    return stripes[(int) run.id() & mask];
  }

  void add(TaskRun<?> run) {
    Stripe s = stripeOf(run);
    synchronized (s) {
      TaskRun<?> head = s.head;
      run.inFlightNext = head;
      run.inFlightPrev = null;
      if (head != null) {
        head.inFlightPrev = run;
      }
      s.head = run;
      run.inFlightLinked = true;
    }
  }

  /** Removes the task; true if it was there (so exactly one caller ever gets true). */
  boolean remove(TaskRun<?> run) {
    Stripe s = stripeOf(run);
    synchronized (s) {
      if (!run.inFlightLinked) {
        return false;
      }
      TaskRun<?> prev = run.inFlightPrev;
      TaskRun<?> next = run.inFlightNext;
      if (prev == null) {
        s.head = next;
      } else {
        prev.inFlightNext = next;
      }
      if (next != null) {
        next.inFlightPrev = prev;
      }
      run.inFlightPrev = null;
      run.inFlightNext = null;
      run.inFlightLinked = false;
      return true;
    }
  }

  /** The tasks now in the set, stripe by stripe. */
  List<TaskRun<?>> snapshot() {
    List<TaskRun<?>> all = new ArrayList<>();
    for (Stripe s : stripes) {
      synchronized (s) {
        for (TaskRun<?> r = s.head; r != null; r = r.inFlightNext) {
          all.add(r);
        }
      }
    }
    return all;
  }
}
