package io.gearbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.Delays;
import io.gearbox.Gearbox;
import io.gearbox.Harness;
import io.gearbox.Pool;
import io.gearbox.TaskHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Map;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The set of a pool's tasks in flight: what shutdownNow cancels and stats() looks through. Its
 * entries are removed without a lock by whichever thread ends a task, and swept out of the
 * submitters' arrays later; nothing added may be lost from a listing, nothing removed may be
 * listed, and an ended task must not be kept alive by the pool.
 */
class InFlightSetTest {

  @RegisterExtension final Harness h = new Harness();

  private static TaskRun<Object> task(long id) {
    return new TaskRun<>(null, id, null, () -> null, null, null, null, true, null);
  }

  @Test
  void snapshot_listsWhatWasAddedAndNotRemoved_inTheOrderEachThreadAddedIt() {
    InFlightSet set = new InFlightSet();
    List<TaskRun<Object>> runs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      TaskRun<Object> run = task(i);
      runs.add(run);
      set.add(run);
    }
    List<TaskRun<?>> kept = new ArrayList<>();
    for (TaskRun<Object> run : runs) {
      if (run.id() % 3 == 0) {
        assertThat(set.remove(run)).as("first removal of #%d", run.id()).isTrue();
        assertThat(set.remove(run)).as("second removal of #%d", run.id()).isFalse();
      } else {
        kept.add(run);
      }
    }
    assertThat(set.snapshot()).containsExactlyElementsOf(kept);
  }

  @Test
  void sweeping_shrinksTheArraysOnceTheirTasksHaveEnded() {
    InFlightSet set = new InFlightSet();
    List<TaskRun<Object>> runs = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      TaskRun<Object> run = task(i);
      runs.add(run);
      set.add(run);
    }
    assertThat(set.capacity()).as("slots holding 10,000 tasks").isGreaterThanOrEqualTo(10_000);
    runs.forEach(set::remove);
    assertThat(set.snapshot()).isEmpty(); // a listing sweeps
    assertThat(set.capacity()).as("slots once they ended").isLessThan(1_000);
    TaskRun<Object> late = task(10_000);
    set.add(late);
    assertThat(set.snapshot()).containsExactly(late);
  }

  @Test
  void addersRemoversAndListers_atOnce_loseNothingAndListNothingRemoved() throws Exception {
    InFlightSet set = new InFlightSet();
    int submitters = 4;
    int perSubmitter = 20_000;
    CyclicBarrier start = new CyclicBarrier(submitters + 2);
    List<List<TaskRun<Object>>> keptBy = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    ConcurrentLinkedQueue<TaskRun<Object>> toRemove = new ConcurrentLinkedQueue<>();
    CountDownLatch added = new CountDownLatch(submitters);
    for (int s = 0; s < submitters; s++) {
      List<TaskRun<Object>> kept = new ArrayList<>();
      keptBy.add(kept);
      long base = (long) s * perSubmitter;
      threads.add(Thread.ofPlatform().name("in-flight-adder-" + s).start(h.checked(() -> {
        start.await();
        for (int i = 0; i < perSubmitter; i++) {
          TaskRun<Object> run = task(base + i);
          set.add(run);
          if (i % 10 == 0) {
            kept.add(run);
          } else {
            toRemove.add(run); // ended by another thread, as a pool thread ends a task
          }
        }
        added.countDown();
      })));
    }
    // removal order: a task removed before a listing began must not be in it
    AtomicLong removals = new AtomicLong();
    Map<TaskRun<?>, Long> removedAt = new ConcurrentHashMap<>();
    threads.add(Thread.ofPlatform().name("in-flight-remover").start(h.checked(() -> {
      start.await();
      while (added.getCount() > 0 || !toRemove.isEmpty()) {
        TaskRun<Object> run = toRemove.poll();
        if (run != null) {
          assertThat(set.remove(run)).isTrue();
          removedAt.put(run, removals.incrementAndGet());
        } else {
          Thread.onSpinWait();
        }
      }
    })));
    threads.add(Thread.ofPlatform().name("in-flight-lister").start(h.checked(() -> {
      start.await();
      int listings = 0;
      while (added.getCount() > 0 || listings < 10) {
        long removedBefore = removals.get();
        for (TaskRun<?> run : set.snapshot()) {
          Long at = removedAt.get(run);
          assertThat(at == null || at > removedBefore)
              .as("#%d listed, removed as removal %s of %s before the listing", run.id(), at,
                  removedBefore)
              .isTrue();
        }
        listings++;
      }
    })));
    for (Thread t : threads) {
      Harness.join(t);
    }
    List<TaskRun<?>> expected = new ArrayList<>();
    keptBy.forEach(expected::addAll);
    List<TaskRun<?>> listed = set.snapshot();
    assertThat(listed).hasSize(expected.size()).containsExactlyInAnyOrderElementsOf(expected);
    for (List<TaskRun<Object>> kept : keptBy) {
      assertThat(listed.stream().filter(kept::contains).toList())
          .as("one submitter's tasks, in the order it added them")
          .containsExactlyElementsOf(kept);
    }
  }

  @Test
  void aPool_keepsNoEndedTaskAlive_evenBeforeItsNextListing() throws Exception {
    List<WeakReference<Object>> results = new ArrayList<>();
    try (Pool pool = Gearbox.cpuBuilder().name("in-flight-test").build()) {
      List<TaskHandle<Object>> handles = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        handles.add(pool.submit(() -> new byte[1024]));
      }
      for (TaskHandle<Object> handle : handles) {
        results.add(new WeakReference<>(handle.join()));
      }
      handles.clear();
      // no stats(), no shutdownNow: nothing has swept the submitter's array yet
      long deadline = System.nanoTime() + Delays.LONG.toNanos();
      while (results.stream().anyMatch(r -> r.get() != null) && System.nanoTime() < deadline) {
        System.gc();
        Thread.sleep(10);
      }
      assertThat(results.stream().filter(r -> r.get() != null).count())
          .as("results of ended tasks still reachable while the pool is open")
          .isZero();
    }
  }
}
