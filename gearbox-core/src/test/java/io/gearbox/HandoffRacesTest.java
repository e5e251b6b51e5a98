package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The races at the hand-offs of a task's run (see TaskRun's and ExecutorPool's overviews),
 * driven many times each at random offsets: a cancel or deadline racing the end of a run must
 * never leave its interrupt on the thread for the next task (nor on a CALLER_RUNS caller); a
 * burst offered to an idle pool must reach all of its threads, however idle they were; a waiter
 * or callback racing the completion must always see the task done; a close racing a shutdownNow
 * on another thread must return once the pool has terminated.
 */
class HandoffRacesTest {

  private static final int ROUNDS = 2_000;

  @RegisterExtension final Harness h = new Harness();

  /** Busy for a random few microseconds at most: lands a race at a random point of a run. */
  private static void jitter() {
    int n = ThreadLocalRandom.current().nextInt(400);
    for (int i = 0; i < n; i++) {
      Thread.onSpinWait();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void cancelOrDeadlineRacingTheEndOfARun_neverReachesTheNextTaskOnItsThread(PoolKind kind)
      throws InterruptedException {
    try (Pool pool = h.pool(kind, b -> b.threads(1))) {
      int cancelled = 0;
      for (int i = 0; i < ROUNDS; i++) {
        boolean byDeadline = i % 2 == 1;
        Duration deadline = Duration.ofNanos(1 + ThreadLocalRandom.current().nextLong(200_000));
        TaskOptions options = byDeadline ? TaskOptions.timeout(deadline) : TaskOptions.defaults();
        TaskHandle<Integer> first = pool.submit(() -> {
          jitter();
          return 1;
        }, options);
        if (!byDeadline) {
          jitter();
          first.cancel(true);
        }
        TaskHandle<Boolean> next = pool.submit(() -> Thread.currentThread().isInterrupted());
        assertThat(next.join()).as("round %d: the next task's interrupt flag", i).isFalse();
        // its code has ended, but a canceller may still be completing its handle
        assertThat(first.await(Delays.LONG)).isTrue();
        assertThat(first.status()).isIn(TaskState.SUCCEEDED, TaskState.CANCELLED,
            TaskState.TIMED_OUT);
        if (first.status() != TaskState.SUCCEEDED) {
          cancelled++;
        }
      }
      PoolStats stats = pool.stats();
      assertThat(stats.succeeded() + stats.cancelled() + stats.timedOut())
          .isEqualTo(2L * ROUNDS);
      assertThat(stats.cancelled() + stats.timedOut()).isEqualTo(cancelled);
    }
  }

  /**
   * A CALLER_RUNS task runs on the submitting thread; its deadline interrupts that thread. However
   * the deadline lands (before, during or after the run), the caller's flag is clear when submit
   * returns.
   */
  @Test
  void deadlineRacingACallerRunsTask_neverLeavesTheCallerInterrupted() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch holding = new CountDownLatch(1);
    try (Pool pool = h.pool(PoolKind.THREADS,
        b -> b.threads(1).maxInFlight(1).saturation(Saturation.CALLER_RUNS))) {
      TaskHandle<Object> holder = pool.submit(() -> {
        holding.countDown();
        release.await(); // holds the only permit: every submit below runs on this thread
        return null;
      });
      Harness.await(holding);
      Thread caller = Thread.currentThread();
      try {
        for (int i = 0; i < ROUNDS; i++) {
          TaskHandle<Thread> run = pool.submit(() -> {
            jitter();
            return Thread.currentThread();
          }, TaskOptions.timeout(Duration.ofNanos(
              1 + ThreadLocalRandom.current().nextLong(200_000))));
          assertThat(Thread.interrupted()).as("round %d: the caller's interrupt flag", i).isFalse();
          assertThat(run.status()).isIn(TaskState.SUCCEEDED, TaskState.TIMED_OUT);
          if (run.status() == TaskState.SUCCEEDED) {
            assertThat(run.resultNow()).isSameAs(caller);
          }
        }
      } finally {
        release.countDown();
      }
      holder.join();
    }
  }

  /**
   * A burst offered to an idle pool reaches every thread: the tasks of each burst can only finish
   * if all of them run at once. Idle gaps of random length let the threads be busy, parking or
   * parked when it comes.
   */
  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void burstOnAnIdlePool_runsOnEveryThreadAtOnce(PoolKind kind) throws Exception {
    int threads = 3;
    try (Pool pool = h.pool(kind, b -> b.threads(threads))) {
      for (int round = 0; round < 200; round++) {
        CountDownLatch all = new CountDownLatch(threads);
        List<TaskHandle<Boolean>> burst = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          burst.add(pool.submit(() -> {
            all.countDown();
            return all.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS);
          }));
        }
        for (TaskHandle<Boolean> task : burst) {
          assertThat(task.join()).as("round %d: every task of the burst ran at once", round)
              .isTrue();
        }
        if (round % 4 == 0) {
          Thread.sleep(ThreadLocalRandom.current().nextInt(3)); // long enough to park
        } else {
          jitter();
        }
      }
    }
  }

  /**
   * A handle's future is made only when someone waits or registers a callback; waiting, callbacks
   * and the completion race here, and every waiter sees the task done with its value.
   */
  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU"})
  void waitersAndCallbacksRacingTheCompletion_allSeeTheTaskDone(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind)) {
      for (int i = 0; i < ROUNDS; i++) {
        int value = i;
        TaskHandle<Integer> handle = pool.submit(() -> {
          jitter();
          return value;
        });
        jitter();
        switch (i % 3) {
          case 0 -> assertThat(handle.await(Delays.LONG)).as("round %d", i).isTrue();
          case 1 -> assertThat(handle.toCompletableFuture()
              .get(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(value);
          default -> assertThat(handle.join()).isEqualTo(value);
        }
        assertThat(handle.isDone()).isTrue();
        assertThat(handle.resultNow()).isEqualTo(value);
      }
      assertThat(pool.stats().succeeded()).isEqualTo(ROUNDS);
    }
  }

  /**
   * A shutdownNow on one thread cancels the running task, which wakes the test thread, whose close
   * then waits for termination while the shutdownNow is still shutting the pool's executors down.
   * The close must return once the pool has terminated. (The auto pool's waiter for its probe side
   * once missed the wake-up when its last probe had ended before the probe side was shut down:
   * close waited for a day; 2 rounds in 50 hit it.)
   */
  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void closeRacingAShutdownNowOnAnotherThread_returnsOnceTerminated(PoolKind kind)
      throws Exception {
    for (int round = 0; round < 150; round++) {
      Pool pool = h.pool(kind);
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch never = new CountDownLatch(1);
      TaskHandle<Object> task = pool.submit(() -> {
        started.countDown();
        never.await();
        return null;
      });
      Thread closer = h.startThread("closer-" + round, () -> {
        assertThat(task.await(Delays.LONG)).isTrue(); // woken by the cancel, and on to close
        pool.close();
      });
      Thread stopper = h.startThread("stopper-" + round, () -> {
        Harness.await(started);
        pool.shutdownNow();
      });
      closer.join(Delays.LONG);
      assertThat(closer.isAlive()).as("round %d: close still waiting; terminated: %s", round,
          pool.isTerminated()).isFalse();
      stopper.join(Delays.LONG);
      assertThat(task.status()).isEqualTo(TaskState.CANCELLED);
      assertThat(pool.isTerminated()).isTrue();
    }
  }
}
