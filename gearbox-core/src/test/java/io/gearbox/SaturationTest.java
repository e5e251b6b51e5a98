package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bounded in-flight work on every kind of pool: BLOCK parks the submitter until a permit frees
 * (shown by its thread state and a latch, not by timing), REJECT throws {@link
 * PoolSaturatedException}, CALLER_RUNS runs the task on the submitting thread; and no more than
 * maxInFlight tasks ever run at once.
 */
class SaturationTest {

  private static final int BOUND = 2;

  @RegisterExtension final Harness h = new Harness();

  private final CountDownLatch gate = new CountDownLatch(1);

  /** Fills the pool with BOUND tasks blocked on the gate. */
  private List<TaskHandle<String>> fill(Pool pool) throws InterruptedException {
    CountDownLatch started = new CountDownLatch(BOUND);
    List<TaskHandle<String>> handles = new ArrayList<>();
    for (int i = 0; i < BOUND; i++) {
      handles.add(pool.submit(() -> {
        started.countDown();
        gate.await();
        return "filler";
      }));
    }
    Harness.await(started);
    return handles;
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void block_poolFull_submitterWaitsUntilAPermitFrees(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind, b -> b.maxInFlight(BOUND).saturation(Saturation.BLOCK))) {
      try {
        fill(pool);
        CountDownLatch returned = new CountDownLatch(1);
        AtomicReference<TaskHandle<String>> third = new AtomicReference<>();
        Thread submitter = h.startThread("submitter", () -> {
          third.set(pool.submit(() -> "third"));
          returned.countDown();
        });
        Harness.awaitBlocked(submitter, "io.gearbox.internal.Admission");
        assertThat(returned.getCount()).as("submit has not returned").isEqualTo(1);
        assertThat(pool.stats().submitted()).isEqualTo(BOUND);

        gate.countDown();

        Harness.await(returned);
        Harness.join(submitter);
        assertThat(third.get().join()).isEqualTo("third");
        assertThat(pool.stats().rejected()).isZero();
      } finally {
        gate.countDown();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void block_poolShutDownWhileSubmitterWaits_rejectsWithPoolClosed(PoolKind kind)
      throws Exception {
    try (Pool pool = h.pool(kind, b -> b.maxInFlight(BOUND).saturation(Saturation.BLOCK))) {
      try {
        fill(pool);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread submitter = h.startThread("submitter",
            () -> outcome.set(catchThrowable(() -> pool.submit(() -> "third"))));
        Harness.awaitBlocked(submitter, "io.gearbox.internal.Admission");
        pool.shutdown();
        Harness.join(submitter);
        assertThat(outcome.get()).isInstanceOf(PoolClosedException.class);
        assertThat(pool.stats().submitted()).isEqualTo(BOUND);
      } finally {
        gate.countDown();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void block_submitterInterruptedWhileWaiting_rejectsWithSaturatedAndKeepsTheFlag(PoolKind kind)
      throws Exception {
    try (Pool pool = h.pool(kind, b -> b.maxInFlight(BOUND).saturation(Saturation.BLOCK))) {
      try {
        fill(pool);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        AtomicReference<Boolean> flagAfter = new AtomicReference<>();
        Thread submitter = h.startThread("submitter", () -> {
          outcome.set(catchThrowable(() -> pool.submit(() -> "third")));
          flagAfter.set(Thread.interrupted());
        });
        Harness.awaitBlocked(submitter, "io.gearbox.internal.Admission");
        submitter.interrupt();
        Harness.join(submitter);
        assertThat(outcome.get()).isInstanceOf(PoolSaturatedException.class);
        assertThat(flagAfter.get()).isTrue();
        assertThat(pool.stats().rejected()).isEqualTo(1);
      } finally {
        gate.countDown();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void reject_poolFull_throwsPoolSaturatedAndCountsIt(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind, b -> b.maxInFlight(BOUND).saturation(Saturation.REJECT))) {
      List<TaskHandle<String>> fillers;
      try {
        fillers = fill(pool);
        Throwable thrown = catchThrowable(() -> pool.submit(() -> "third"));
        assertThat(thrown).isInstanceOf(PoolSaturatedException.class)
            .isInstanceOf(RejectedExecutionException.class)
            .hasMessageContaining(pool.name());
        assertThatThrownBy(() -> pool.asExecutorService().execute(() -> { }))
            .isInstanceOf(PoolSaturatedException.class);
        PoolStats stats = pool.stats();
        assertThat(stats.rejected()).isEqualTo(2);
        assertThat(stats.submitted()).isEqualTo(BOUND);
      } finally {
        gate.countDown();
      }
      fillers.forEach(TaskHandle::join);
      // a permit is returned when a task's code has exited, just after its handle completes
      TaskHandle<String> later = eventually()
          .ignoreException(PoolSaturatedException.class)
          .until(() -> pool.submit(() -> "room again"), handle -> handle != null);
      assertThat(later.join()).isEqualTo("room again");
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void callerRuns_poolFull_runsTheTaskOnTheSubmittingThread(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind, b -> b.maxInFlight(BOUND).saturation(Saturation.CALLER_RUNS))) {
      try {
        fill(pool);
        Thread me = Thread.currentThread();
        TaskHandle<Thread> handle = pool.submit(Thread::currentThread);
        assertThat(handle.isDone()).isTrue();
        assertThat(handle.status()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(handle.join()).isSameAs(me);

        IllegalStateException boom = new IllegalStateException("boom");
        TaskHandle<Object> failing = pool.submit(() -> {
          throw boom;
        });
        assertThat(failing.status()).isEqualTo(TaskState.FAILED);
        assertThat(catchThrowable(failing::join)).isInstanceOf(TaskFailedException.class)
            .cause().isSameAs(boom);
        PoolStats stats = pool.stats();
        assertThat(stats.submitted()).isEqualTo(BOUND + 2);
        assertThat(stats.rejected()).isZero();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
      } finally {
        gate.countDown();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void callerRuns_taskWithDeadline_timesOutOnTheCallerThreadToo(PoolKind kind) throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    try (Pool pool = h.pool(kind, b -> b.maxInFlight(BOUND).saturation(Saturation.CALLER_RUNS))) {
      try {
        fill(pool);
        // returns "interrupted" if the deadline's interrupt arrives, "unbounded" if it never does
        TaskHandle<String> handle = pool.submit(() -> {
          try {
            return never.await(Delays.LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                ? "released" : "unbounded";
          } catch (InterruptedException e) {
            return "interrupted";
          }
        }, TaskOptions.timeout(Delays.SMALL));
        assertThat(handle.status()).isEqualTo(TaskState.TIMED_OUT);
        assertThat(Thread.currentThread().isInterrupted())
            .as("the deadline's interrupt does not leak into the caller").isFalse();
      } finally {
        gate.countDown();
        never.countDown();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void maxInFlight_manySubmits_neverMoreThanTheBoundRunAtOnce(PoolKind kind) throws Exception {
    int bound = 3;
    AtomicInteger running = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    try (Pool pool = h.pool(kind, b -> b.maxInFlight(bound).saturation(Saturation.BLOCK))) {
      List<TaskHandle<Object>> handles = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        handles.add(pool.submit(() -> {
          peak.accumulateAndGet(running.incrementAndGet(), Math::max);
          Thread.yield();
          running.decrementAndGet();
          return null;
        }));
      }
      handles.forEach(TaskHandle::join);
      assertThat(peak.get()).isBetween(1, bound);
      assertThat(pool.stats().succeeded()).isEqualTo(200);
    }
  }

  /**
   * Several submitters block on a tiny bound while pool threads give permits back as fast as tiny
   * tasks end: a permit that came back unseen by a waiting submitter would leave it waiting for
   * good (the wedged-test detector fails the test), one counted twice would let more than the
   * bound in.
   */
  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void block_manySubmittersTinyTasks_allRunAndNeverMoreThanTheBoundInFlight(PoolKind kind)
      throws Exception {
    int bound = 4;
    int submitters = 4;
    int perSubmitter = 2_000;
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    try (Pool pool = h.pool(kind, b -> b.maxInFlight(bound).saturation(Saturation.BLOCK))) {
      List<Thread> threads = new ArrayList<>();
      for (int s = 0; s < submitters; s++) {
        threads.add(h.startThread("submitter-" + s, () -> {
          List<TaskHandle<Integer>> handles = new ArrayList<>();
          for (int i = 0; i < perSubmitter; i++) {
            int v = i;
            handles.add(pool.submit(() -> {
              peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              inFlight.decrementAndGet();
              return v;
            }));
          }
          for (int i = 0; i < perSubmitter; i++) {
            assertThat(handles.get(i).join()).isEqualTo(i);
          }
        }));
      }
      for (Thread t : threads) {
        Harness.join(t);
      }
      assertThat(peak.get()).isBetween(1, bound);
      eventually().untilAsserted(() -> {
        PoolStats stats = pool.stats();
        assertThat(stats.succeeded()).isEqualTo((long) submitters * perSubmitter);
        assertThat(stats.submitted()).isEqualTo((long) submitters * perSubmitter);
        assertThat(stats.running() + stats.queued()).isZero();
      });
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void shutdown_withHugeMaxInFlight_wakesNobodyAndDoesNotOverflow(PoolKind kind) {
    Pool pool = h.pool(kind, b -> b.maxInFlight(Integer.MAX_VALUE));
    assertThat(pool.submit(() -> 1).join()).isEqualTo(1);
    pool.shutdown();
    assertThat(pool.isShutdown()).isTrue();
    pool.close();
    assertThat(pool.isTerminated()).isTrue();
  }
}
