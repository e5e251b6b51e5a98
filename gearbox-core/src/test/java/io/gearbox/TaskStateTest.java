package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every task ends in exactly one terminal {@link TaskState}, on every kind of pool: cancel raced
 * against completion, against a second cancel and against a deadline, many times, with the handle,
 * its CompletableFuture view and the pool's counters all agreeing.
 */
class TaskStateTest {

  private static final int ROUNDS = 2_000;

  @RegisterExtension final Harness h = new Harness();

  /** Keeps the JIT from dropping busy work. */
  private static volatile long sink;

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void cancel_racingCompletion_exactlyOneOutcomeWinsAndCountersAgree(PoolKind kind)
      throws Exception {
    int cancelWon = 0;
    int successWon = 0;
    try (Pool pool = h.pool(kind)) {
      List<TaskHandle<Integer>> handles = new ArrayList<>();
      List<Boolean> cancelResults = new ArrayList<>();
      for (int i = 0; i < ROUNDS; i++) {
        int id = i;
        TaskHandle<Integer> handle = pool.submit(() -> id);
        if (i % 3 == 0) {
          Thread.onSpinWait(); // vary where the cancel lands
        }
        cancelResults.add(handle.cancel());
        handles.add(handle);
      }
      for (int i = 0; i < ROUNDS; i++) {
        TaskHandle<Integer> handle = handles.get(i);
        assertThat(handle.await(Delays.LONG)).isTrue();
        if (cancelResults.get(i)) {
          cancelWon++;
          assertThat(handle.status()).isEqualTo(TaskState.CANCELLED);
          assertThat(handle.isCancelled()).isTrue();
          assertThat(handle.state()).isEqualTo(Future.State.CANCELLED);
          assertThatThrownBy(handle::join).isInstanceOf(CancellationException.class);
          assertThat(handle.toCompletableFuture().isCancelled()).isTrue();
        } else {
          successWon++;
          assertThat(handle.status()).isEqualTo(TaskState.SUCCEEDED);
          assertThat(handle.isCancelled()).isFalse();
          assertThat(handle.state()).isEqualTo(Future.State.SUCCESS);
          assertThat(handle.join()).isEqualTo(i);
          assertThat(handle.resultNow()).isEqualTo(i);
          assertThat(handle.toCompletableFuture().join()).isEqualTo(i);
        }
        assertThat(handle.cancel()).as("a terminal state never changes").isFalse();
      }
      pool.shutdown();
      assertThat(pool.awaitTermination(Delays.LONG)).isTrue();
      PoolStats stats = pool.stats();
      assertThat(stats.submitted()).isEqualTo(ROUNDS);
      assertThat(stats.cancelled()).isEqualTo(cancelWon);
      assertThat(stats.succeeded()).isEqualTo(successWon);
      assertThat(stats.completed()).isEqualTo(ROUNDS);
      assertThat(stats.running()).isZero();
      assertThat(stats.queued()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void cancel_fromTwoThreadsAtOnce_exactlyOneCallWins(PoolKind kind) throws Exception {
    int rounds = 300;
    CyclicBarrier barrier = new CyclicBarrier(2);
    AtomicReference<TaskHandle<Object>> current = new AtomicReference<>();
    AtomicInteger otherWins = new AtomicInteger();
    CountDownLatch never = new CountDownLatch(1);
    try (Pool pool = h.pool(kind)) {
      try {
        Thread other = h.startThread("other-canceller", () -> {
          for (int i = 0; i < rounds; i++) {
            barrier.await(Delays.LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (current.get().cancel()) {
              otherWins.incrementAndGet();
            }
            barrier.await(Delays.LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
          }
        });
        int myWins = 0;
        for (int i = 0; i < rounds; i++) {
          current.set(pool.submit(() -> {
            never.await();
            return null;
          }));
          barrier.await(Delays.LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
          if (current.get().cancel()) {
            myWins++;
          }
          barrier.await(Delays.LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
          assertThat(current.get().status()).isEqualTo(TaskState.CANCELLED);
        }
        Harness.join(other);
        assertThat(myWins + otherWins.get()).isEqualTo(rounds);
        eventually().until(() -> pool.stats().cancelled() == rounds);
      } finally {
        never.countDown();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void deadline_racingCompletion_eachTaskEndsEitherSucceededOrTimedOut(PoolKind kind)
      throws Exception {
    int rounds = 300;
    try (Pool pool = h.pool(kind)) {
      List<TaskHandle<Integer>> handles = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        int id = i;
        handles.add(pool.submit(() -> {
          long x = id;
          for (int k = 0; k < 20_000; k++) {
            x = x * 31 + k;
          }
          sink = x;
          return id * 2;
        }, TaskOptions.timeout(java.time.Duration.ofNanos(200_000))));
      }
      int succeeded = 0;
      int timedOut = 0;
      for (int i = 0; i < rounds; i++) {
        TaskHandle<Integer> handle = handles.get(i);
        assertThat(handle.await(Delays.LONG)).isTrue();
        switch (handle.status()) {
          case SUCCEEDED -> {
            succeeded++;
            assertThat(handle.join()).isEqualTo(i * 2);
          }
          case TIMED_OUT -> {
            timedOut++;
            assertThatThrownBy(handle::join).isInstanceOf(TaskTimeoutException.class);
          }
          default -> throw new AssertionError("unexpected state " + handle.status());
        }
      }
      pool.shutdown();
      assertThat(pool.awaitTermination(Delays.LONG)).isTrue();
      PoolStats stats = pool.stats();
      assertThat(stats.succeeded()).isEqualTo(succeeded);
      assertThat(stats.timedOut()).isEqualTo(timedOut);
      assertThat(stats.completed()).isEqualTo(rounds);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void status_queuedThenRunningThenSucceeded_reportsEachState(PoolKind kind) throws Exception {
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    CountDownLatch secondStarted = new CountDownLatch(1);
    CountDownLatch releaseSecond = new CountDownLatch(1);
    try (Pool pool = h.pool(kind, b -> b.threads(1))) {
      try {
        TaskHandle<String> first = pool.submit(() -> {
          firstStarted.countDown();
          releaseFirst.await();
          return "first";
        });
        Harness.await(firstStarted);
        TaskHandle<String> second = pool.submit(() -> {
          secondStarted.countDown();
          releaseSecond.await();
          return "second";
        }, TaskOptions.named("second"));
        assertThat(second.status()).isEqualTo(TaskState.PENDING);
        assertThat(second.state()).isEqualTo(Future.State.RUNNING);
        assertThat(second.isDone()).isFalse();
        assertThat(second.name()).isEqualTo("second");
        assertThat(second.id()).isGreaterThan(first.id());
        assertThatThrownBy(second::resultNow).isInstanceOf(IllegalStateException.class);
        assertThat(pool.stats().queued()).isEqualTo(1);
        assertThat(pool.stats().running()).isEqualTo(1);
        releaseFirst.countDown();
        Harness.await(secondStarted);
        assertThat(second.status()).isEqualTo(TaskState.RUNNING);
        releaseSecond.countDown();
        assertThat(second.join()).isEqualTo("second");
        assertThat(second.status()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(second.isDone()).isTrue();
        assertThatThrownBy(second::exceptionNow).isInstanceOf(IllegalStateException.class);
        assertThat(first.name()).isEqualTo("task-" + first.id());
      } finally {
        releaseFirst.countDown();
        releaseSecond.countDown();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void cancel_pendingTask_neverRuns(PoolKind kind) throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();
    try (Pool pool = h.pool(kind, b -> b.threads(1))) {
      try {
        pool.submit(() -> {
          gate.await();
          return null;
        });
        TaskHandle<Integer> pending = pool.submit(ran::incrementAndGet);
        assertThat(pending.cancel()).isTrue();
        assertThat(pending.status()).isEqualTo(TaskState.CANCELLED);
        assertThat(pending.isDone()).isTrue();
        assertThatThrownBy(pending::get).isInstanceOf(CancellationException.class)
            .hasMessageContaining("before it started");
      } finally {
        gate.countDown();
      }
    }
    assertThat(ran.get()).isZero();
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void shutdownNow_racingSubmitters_everyAcceptedTaskEndsOnceAndCountersAgree(PoolKind kind)
      throws Exception {
    for (int round = 0; round < 30; round++) {
      Pool pool = h.pool(kind);
      List<TaskHandle<?>> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicInteger refused = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> submitters = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        submitters.add(h.startThread("submitter-" + t, () -> {
          go.await();
          while (true) {
            try {
              accepted.add(pool.submit(() -> {
                Thread.sleep(1);
                return null;
              }));
            } catch (PoolClosedException e) {
              refused.incrementAndGet();
              return;
            }
          }
        }));
      }
      go.countDown();
      eventually().until(() -> accepted.size() >= 50);
      List<TaskHandle<?>> neverRan = pool.shutdownNow();
      for (Thread t : submitters) {
        Harness.join(t);
      }
      assertThat(pool.awaitTermination(Delays.LONG)).isTrue();
      java.util.Set<TaskHandle<?>> acceptedSet =
          java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      acceptedSet.addAll(accepted);
      assertThat(neverRan).as("shutdownNow returns only accepted tasks")
          .allSatisfy(t -> assertThat(acceptedSet).contains(t));
      assertThat(accepted).allSatisfy(t -> assertThat(t.status().isTerminal()).isTrue());
      PoolStats stats = pool.stats();
      assertThat(stats.submitted()).isEqualTo(accepted.size());
      assertThat(stats.queued()).isZero();
      assertThat(stats.running()).isZero();
      assertThat(stats.completed()).isEqualTo(stats.submitted());
      assertThat(stats.rejected()).isEqualTo(refused.get());
    }
  }
}
