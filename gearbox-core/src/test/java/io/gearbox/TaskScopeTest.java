package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Structured scopes on every kind of pool: fail-fast (one child throws, its siblings are cancelled
 * and join throws the original cause), close leaves no child running, forking after close or
 * failure is refused, and the caller's interrupt flag is kept.
 */
class TaskScopeTest {

  @RegisterExtension final Harness h = new Harness();

  private final CountDownLatch never = new CountDownLatch(1);

  /** A child that blocks until interrupted, counting its start and its interruption. */
  private java.util.concurrent.Callable<String> blocker(CountDownLatch started,
      AtomicInteger interrupted, AtomicInteger exited) {
    return () -> {
      started.countDown();
      try {
        never.await();
        return "released";
      } catch (InterruptedException e) {
        interrupted.incrementAndGet();
        throw e;
      } finally {
        exited.incrementAndGet();
      }
    };
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void join_everyChildSucceeds_returnsAndHandlesHoldValues(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind); TaskScope scope = pool.openScope()) {
      List<TaskHandle<Integer>> children = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        int id = i;
        children.add(scope.fork(() -> id * 3));
      }
      scope.join();
      assertThat(scope.isCancelled()).isFalse();
      for (int i = 0; i < 20; i++) {
        assertThat(children.get(i).status()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(children.get(i).join()).isEqualTo(i * 3);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void join_oneChildThrows_siblingsCancelledAndJoinThrowsTheCause(PoolKind kind) throws Exception {
    int siblings = Harness.TEST_THREADS - 1;
    CountDownLatch started = new CountDownLatch(siblings);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger exited = new AtomicInteger();
    IllegalStateException boom = new IllegalStateException("boom");
    try (Pool pool = h.pool(kind)) {
      TaskScope scope = pool.openScope();
      List<TaskHandle<String>> others = new ArrayList<>();
      try {
        for (int i = 0; i < siblings; i++) {
          others.add(scope.fork(blocker(started, interrupted, exited)));
        }
        TaskHandle<String> failing = scope.fork(() -> {
          Harness.await(started);
          throw boom;
        });

        Throwable thrown = catchThrowable(scope::join);

        assertThat(thrown).isInstanceOf(TaskFailedException.class);
        assertThat(thrown.getCause()).isSameAs(boom);
        assertThat(((TaskFailedException) thrown).taskId()).isEqualTo(failing.id());
        assertThat(failing.status()).isEqualTo(TaskState.FAILED);
        // fail-fast: when join throws, the siblings are already cancelled
        assertThat(others).allSatisfy(s -> assertThat(s.status()).isEqualTo(TaskState.CANCELLED));
        assertThat(scope.isCancelled()).isTrue();
        assertThatThrownBy(() -> scope.fork(() -> "late")).isInstanceOf(IllegalStateException.class);
      } finally {
        scope.close();
      }
      // close returned: no child is running, and each was ended by the interrupt
      assertThat(exited.get()).isEqualTo(siblings);
      assertThat(interrupted.get()).isEqualTo(siblings);
      PoolStats stats = pool.stats();
      assertThat(stats.failed()).isEqualTo(1);
      assertThat(stats.cancelled()).isEqualTo(siblings);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void join_childTimesOut_throwsTaskTimeoutAndCancelsSiblings(PoolKind kind) throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger exited = new AtomicInteger();
    try (Pool pool = h.pool(kind); TaskScope scope = pool.openScope()) {
      TaskHandle<String> sibling = scope.fork(blocker(started, interrupted, exited));
      TaskHandle<String> late = scope.fork(() -> {
        never.await();
        return "late";
      }, TaskOptions.named("late").withTimeout(Delays.SMALL));
      Throwable thrown = catchThrowable(scope::join);
      assertThat(thrown).isInstanceOf(TaskTimeoutException.class);
      assertThat(((TaskTimeoutException) thrown).taskId()).isEqualTo(late.id());
      assertThat(late.status()).isEqualTo(TaskState.TIMED_OUT);
      assertThat(sibling.status()).isEqualTo(TaskState.CANCELLED);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void close_withChildrenRunning_cancelsThemAndReturnsOnlyWhenAllHaveEnded(PoolKind kind)
      throws Exception {
    int n = Harness.TEST_THREADS;
    CountDownLatch started = new CountDownLatch(n);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger exited = new AtomicInteger();
    try (Pool pool = h.pool(kind)) {
      List<TaskHandle<String>> children = new ArrayList<>();
      TaskScope scope = pool.openScope();
      for (int i = 0; i < n; i++) {
        children.add(scope.fork(blocker(started, interrupted, exited)));
      }
      Harness.await(started);
      scope.close();
      assertThat(exited.get()).isEqualTo(n);
      assertThat(interrupted.get()).isEqualTo(n);
      assertThat(children).allSatisfy(c -> assertThat(c.status()).isEqualTo(TaskState.CANCELLED));
      assertThat(pool.stats().stuck()).isEmpty();
      scope.close(); // idempotent
      assertThatThrownBy(() -> scope.fork(() -> "after close"))
          .isInstanceOf(IllegalStateException.class);
      assertThat(pool.stats().submitted()).isEqualTo(n);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void fork_afterCancel_throwsIllegalStateAndJoinThrowsCancellation(PoolKind kind)
      throws Exception {
    try (Pool pool = h.pool(kind); TaskScope scope = pool.openScope()) {
      scope.cancel();
      scope.cancel(); // idempotent
      assertThat(scope.isCancelled()).isTrue();
      assertThatThrownBy(() -> scope.fork(() -> 1)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> scope.fork(null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(scope::join).isInstanceOf(CancellationException.class);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void joinWithTimeout_childrenStillRunning_cancelsThemAndThrowsTimeout(PoolKind kind)
      throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger exited = new AtomicInteger();
    try (Pool pool = h.pool(kind); TaskScope scope = pool.openScope()) {
      TaskHandle<String> child = scope.fork(blocker(started, interrupted, exited));
      Harness.await(started);
      assertThatThrownBy(() -> scope.join(Delays.SHORT)).isInstanceOf(TimeoutException.class);
      assertThat(scope.isCancelled()).isTrue();
      assertThat(child.status()).isEqualTo(TaskState.CANCELLED);
      eventually().until(() -> exited.get() == 1);
      assertThat(interrupted.get()).isEqualTo(1);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void close_callerInterrupted_keepsWaitingAndRestoresTheFlag(PoolKind kind) throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger exited = new AtomicInteger();
    try (Pool pool = h.pool(kind)) {
      TaskScope scope = pool.openScope();
      scope.fork(blocker(started, interrupted, exited));
      Harness.await(started);
      Thread.currentThread().interrupt();
      scope.close();
      assertThat(Thread.interrupted()).as("interrupt flag restored by close").isTrue();
      assertThat(exited.get()).isEqualTo(1);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void close_whileAnotherThreadIsBlockedForkingIntoAFullPool_doesNotDeadlock(PoolKind kind)
      throws Exception {
    // maxInFlight 1 under BLOCK: the second fork waits for a permit that only the first child,
    // blocked until cancelled, can free. close() must cancel the children rather than wait for
    // the fork to finish first.
    CountDownLatch started = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger exited = new AtomicInteger();
    AtomicInteger secondRunning = new AtomicInteger();
    AtomicInteger secondRunningWhenCloseReturned = new AtomicInteger(-1);
    AtomicReference<Object> forkOutcome = new AtomicReference<>();
    Pool pool = h.pool(kind, b -> b.maxInFlight(1).saturation(Saturation.BLOCK));
    try {
      TaskScope scope = pool.openScope();
      scope.fork(blocker(started, interrupted, exited));
      Harness.await(started);
      Thread forker = h.startThread("forker", () -> {
        try {
          forkOutcome.set(scope.fork(() -> {
            secondRunning.incrementAndGet();
            try {
              return "second";
            } finally {
              secondRunning.decrementAndGet();
            }
          }));
        } catch (IllegalStateException e) {
          forkOutcome.set(e);
        }
      });
      Harness.awaitBlocked(forker, "io.gearbox.internal.Admission");
      Thread closer = h.startThread("closer", () -> {
        scope.close();
        secondRunningWhenCloseReturned.set(secondRunning.get());
      });
      if (!closer.join(Delays.LONG)) {
        pool.shutdownNow(); // unwedge the test before failing it
        throw new AssertionError("scope.close() deadlocked with a fork blocked on a full pool");
      }
      Harness.join(forker);
      assertThat(exited.get()).isEqualTo(1);
      assertThat(interrupted.get()).isEqualTo(1);
      // the fork that was already under way either was refused, or its child ended before close
      // returned (cancelled, or finished in the moment before the forker saw the scope closed)
      assertThat(secondRunningWhenCloseReturned.get()).isZero();
      assertThat(forkOutcome.get()).satisfiesAnyOf(
          o -> assertThat(o).isInstanceOf(IllegalStateException.class),
          o -> assertThat(((TaskHandle<?>) o).status()).isIn(TaskState.CANCELLED, TaskState.SUCCEEDED));
      assertThatThrownBy(() -> scope.fork(() -> "after close"))
          .isInstanceOf(IllegalStateException.class);
    } finally {
      never.countDown();
      pool.close();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void fork_manyChildrenFromManyThreads_joinSeesThemAll(PoolKind kind) throws Exception {
    AtomicInteger ran = new AtomicInteger();
    try (Pool pool = h.pool(kind); TaskScope scope = pool.openScope()) {
      List<Thread> forkers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        forkers.add(h.startThread("forker-" + t, () -> {
          for (int i = 0; i < 250; i++) {
            scope.fork(ran::incrementAndGet);
          }
        }));
      }
      for (Thread forker : forkers) {
        Harness.join(forker);
      }
      scope.join();
      assertThat(ran.get()).isEqualTo(1_000);
      assertThat(pool.stats().succeeded()).isEqualTo(1_000);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void join_waitingThreadInterrupted_throwsInterruptedAndChildrenKeepRunning(PoolKind kind)
      throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger exited = new AtomicInteger();
    try (Pool pool = h.pool(kind); TaskScope scope = pool.openScope()) {
      TaskHandle<String> child = scope.fork(blocker(started, interrupted, exited));
      Harness.await(started);
      Thread.currentThread().interrupt();
      assertThatThrownBy(scope::join).isInstanceOf(InterruptedException.class);
      assertThat(Thread.currentThread().isInterrupted()).isFalse();
      assertThat(child.status()).isEqualTo(TaskState.RUNNING);
      never.countDown();
      scope.join();
      assertThat(child.join()).isEqualTo("released");
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void join_childCancelledThroughItsHandle_isNotAFailure(PoolKind kind) throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger exited = new AtomicInteger();
    try (Pool pool = h.pool(kind); TaskScope scope = pool.openScope()) {
      TaskHandle<String> cancelled = scope.fork(blocker(started, interrupted, exited));
      TaskHandle<String> fine = scope.fork(() -> "fine");
      Harness.await(started);
      cancelled.cancel();
      scope.join();
      assertThat(scope.isCancelled()).isFalse();
      assertThat(fine.join()).isEqualTo("fine");
      assertThat(cancelled.status()).isEqualTo(TaskState.CANCELLED);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void fork_withOptions_usesTheNameAndDeadline(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind); TaskScope scope = pool.openScope()) {
      TaskHandle<String> child = scope.fork(() -> "x", TaskOptions.named("child").withTimeout(Duration.ofDays(1)));
      scope.join();
      assertThat(child.name()).isEqualTo("child");
      assertThat(child.join()).isEqualTo("x");
    }
  }
}
