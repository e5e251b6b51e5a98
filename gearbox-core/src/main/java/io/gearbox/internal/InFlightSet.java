package io.gearbox.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The tasks a pool has admitted whose code has not exited: added by submitters, removed by the
 * threads that end them, listed only by shutdownNow and stats().
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>Why this shape.</b> Adding and removing happen once per task on different threads, so
 * any word both ends write moves between cores twice a task. On a VM whose two cores are far
 * apart a cache line takes ~0.2 us to move, which is the whole of the JDK executor's per-task
 * cost. The earlier shape, an intrusive doubly-linked list in stripes picked by task id, had a
 * remover lock the stripe and rewrite both neighbours, each last written by another thread:
 * measured, it was ~0.3 us of the cpu pool's ~0.7 us a tiny task (submit then join, 100,000
 * tasks, the set switched off in a throwaway build). Here only the submitter writes what it
 * shares with nobody, and the remover writes one word on a line it already holds.
 *
 * <p><b>Entries.</b> Each task owns one {@link Entry} (made with the task, in its constructor, so
 * it sits next to the task's own fields in memory), which points back at the task until the task
 * exits; removing is one release store of null into it, by the thread that records the exit
 * (exactly once: {@link TaskRun} guards its exit with a CAS), with no lock.
 *
 * <p><b>Stripes, by the adding thread.</b> An entry is appended to an array in the stripe of the
 * thread that adds it, under that stripe's monitor; a lone submitter always meets its own stripe,
 * whose lock and array stay in its core's cache, and several submitters rarely meet. Stripes are
 * padded so two never share a cache line. Removed entries stay in their array (16 bytes each; the
 * task itself is no longer referenced) until the stripe is swept: when its array is full (the
 * live ones move down; the array doubles if more than half are live, and shrinks to two to four
 * times the live ones if fewer than an eighth are), and on every listing. So the arrays hold at most about four times the peak number
 * of tasks in flight, and add is amortised O(1).
 *
 * <p><b>Listing.</b> A snapshot locks one stripe at a time, and returns the tasks whose entries
 * still point at them: exact per stripe, except that a task exiting at that moment may or may not
 * appear (as with any concurrent listing). shutdownNow relies only on the handshake described in
 * {@link ExecutorPool}: a submitter appends its entry under the stripe's monitor, then re-reads
 * the run state; shutdownNow writes the state, then locks each stripe to list it. One of the two
 * sees the other.
 */
final class InFlightSet {

  /** A task's place in the set: points at the task until the task exits. */
  static final class Entry {
    private TaskRun<?> run; // set at construction; cleared (release) once, at exit

    Entry(TaskRun<?> run) {
      this.run = run;
    }
  }

  /** Padding before a stripe's fields: the fields of a superclass are laid out first. */
  @SuppressWarnings("unused")
  private abstract static class PadBefore {
    long p0, p1, p2, p3, p4, p5, p6, p7;
  }

  /** A stripe's fields. */
  private abstract static class StripeFields extends PadBefore {
    Entry[] entries = EMPTY; // guarded by the stripe's monitor
    int size; // guarded by the stripe's monitor
  }

  /**
   * One stripe: its entries, padded on both sides so that no other stripe's monitor or fields
   * share its cache lines.
   */
  @SuppressWarnings("unused")
  private static final class Stripe extends StripeFields {
    long q0, q1, q2, q3, q4, q5, q6, q7;
  }

  private static final Entry[] EMPTY = new Entry[0];
  private static final int FIRST_CAPACITY = 16;
  private static final VarHandle RUN;

  static {
    try {
      RUN = MethodHandles.lookup().findVarHandle(Entry.class, "run", TaskRun.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Stripe[] stripes;
  private final int shift;

  InFlightSet() {
    int n = Integer.highestOneBit(Math.max(4, Runtime.getRuntime().availableProcessors() * 4) - 1) << 1;
    n = Math.min(n, 64);
    stripes = new Stripe[n];
    for (int i = 0; i < n; i++) {
      stripes[i] = new Stripe();
    }
    shift = 64 - Integer.numberOfTrailingZeros(n);
  }

  /** The stripe of the current thread: thread ids mixed (Fibonacci hashing) into an index. */
  private Stripe stripeOfThisThread() {
    long id = Thread.currentThread().threadId();
    return stripes[(int) ((id * 0x9E3779B97F4A7C15L) >>> shift)];
  }

  /** Adds a task; called once, by its submitter, before the task is handed to any other thread. */
  void add(TaskRun<?> run) {
    Entry e = run.inFlightEntry;
    Stripe s = stripeOfThisThread();
    synchronized (s) {
      if (s.size == s.entries.length) {
        sweep(s);
      }
      s.entries[s.size++] = e;
    }
  }

  /**
   * Removes a task: true if it was there (the first call for an added task; later calls return
   * false). Its caller records the task's exit, which happens once.
   */
  boolean remove(TaskRun<?> run) {
    Entry e = run.inFlightEntry;
    if (RUN.getOpaque(e) == null) {
      return false;
    }
    RUN.setRelease(e, null);
    return true;
  }

  /** The tasks now in the set, stripe by stripe, each in the order it was added. */
  List<TaskRun<?>> snapshot() {
    List<TaskRun<?>> all = new ArrayList<>();
    for (Stripe s : stripes) {
      synchronized (s) {
        sweep(s);
        for (int i = 0; i < s.size; i++) {
          TaskRun<?> run = (TaskRun<?>) RUN.getAcquire(s.entries[i]);
          if (run != null) {
            all.add(run);
          }
        }
      }
    }
    return all;
  }

  /** The slots of every stripe's array (for tests: what the set holds on to). */
  int capacity() {
    int slots = 0;
    for (Stripe s : stripes) {
      synchronized (s) {
        slots += s.entries.length;
      }
    }
    return slots;
  }

  /**
   * Drops the stripe's removed entries, keeping the others in order, and resizes its array: it
   * doubles when more than half of it is live, and shrinks to two to four times the live entries
   * (at least {@link #FIRST_CAPACITY}) when fewer than an eighth are. Called with the stripe's
   * monitor held.
   */
  private static void sweep(Stripe s) {
    Entry[] entries = s.entries;
    int live = 0;
    for (int i = 0; i < s.size; i++) {
      Entry e = entries[i];
      if (RUN.getOpaque(e) != null) {
        entries[live++] = e;
      }
    }
    Arrays.fill(entries, live, s.size, null);
    s.size = live;
    int capacity = entries.length;
    if (capacity == 0) {
      capacity = FIRST_CAPACITY;
    } else if (live > capacity / 2) {
      capacity *= 2;
    } else if (live < capacity / 8 && capacity > FIRST_CAPACITY) {
      capacity = Math.max(FIRST_CAPACITY, Integer.highestOneBit(Math.max(1, live)) * 4);
    }
    if (capacity != entries.length) {
      s.entries = Arrays.copyOf(entries, capacity);
    }
  }
}
