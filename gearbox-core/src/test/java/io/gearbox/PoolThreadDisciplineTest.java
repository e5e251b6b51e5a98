package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a pool thread of the platform pools promises between tasks, whatever executor backs the
 * pool (a fixed thread pool today; a {@code ForkJoinPool} was tried for {@code cpu}, see
 * docs/benchmarks-journal.md): an interrupt aimed at a task never reaches the next task the
 * thread runs; shutdownNow cancels the tasks still queued; a task blocked joining another task
 * does not make the pool add a thread (a ForkJoinPool with spare threads would).
 */
class PoolThreadDisciplineTest {

  @RegisterExtension final Harness h = new Harness();

  /**
   * A task that ignores the interrupt of its cancel (and of its deadline) and returns with the flag
   * still set; the next task on the same single thread starts with a clear flag, and cancelling
   * the finished task again interrupts nothing.
   */
  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void interruptAimedAtAnEndedTask_neverReachesTheNextTaskOnItsThread(PoolKind kind)
      throws Exception {
    try (Pool pool = h.pool(kind, b -> b.threads(1))) {
      for (boolean byDeadline : new boolean[] {false, true}) {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean release = new AtomicBoolean();
        AtomicBoolean sawInterrupt = new AtomicBoolean();
        AtomicInteger threadOfFirst = new AtomicInteger();
        TaskOptions options =
            byDeadline ? TaskOptions.timeout(Delays.SHORT) : TaskOptions.defaults();
        TaskHandle<Object> stubborn = pool.submit(() -> {
          threadOfFirst.set(System.identityHashCode(Thread.currentThread()));
          started.countDown();
          while (!release.get()) {
            Thread.onSpinWait(); // ignores interrupts on purpose
          }
          sawInterrupt.set(Thread.currentThread().isInterrupted());
          return null; // leaves with the flag set
        }, options);
        Harness.await(started);
        if (!byDeadline) {
          assertThat(stubborn.cancel(true)).isTrue();
        }
        eventually().until(stubborn::isDone);
        assertThat(stubborn.status())
            .isEqualTo(byDeadline ? TaskState.TIMED_OUT : TaskState.CANCELLED);
        release.set(true);
        TaskHandle<Boolean> next = pool.submit(() -> {
          assertThat(System.identityHashCode(Thread.currentThread()))
              .as("the single pool thread").isEqualTo(threadOfFirst.get());
          return Thread.currentThread().isInterrupted();
        });
        assertThat(next.join()).as("the next task's interrupt flag").isFalse();
        assertThat(sawInterrupt).as("the ended task itself was interrupted").isTrue();
        assertThat(stubborn.cancel(true)).isFalse();
        TaskHandle<Boolean> after = pool.submit(() -> {
          Thread.sleep(Delays.SHORT.toMillis() / 4 + 1); // an interrupt would end this sleep
          return Thread.currentThread().isInterrupted();
        });
        assertThat(after.join()).isFalse();
        assertThat(after.status()).isEqualTo(TaskState.SUCCEEDED);
      }
      eventually().until(() -> pool.stats().stuck().isEmpty());
    }
  }

  /**
   * shutdownNow on a one-thread pool: the running task is cancelled by its interrupt, and each
   * queued task is returned as never run, ends CANCELLED, and never runs.
   */
  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void shutdownNow_cancelsEveryQueuedTaskAndTheRunningOne(PoolKind kind) throws Exception {
    Pool pool = h.pool(kind, b -> b.threads(1));
    CountDownLatch started = new CountDownLatch(1);
    AtomicInteger queuedRan = new AtomicInteger();
    TaskHandle<Object> running = pool.submit(() -> {
      started.countDown();
      Thread.sleep(Duration.ofDays(1));
      return null;
    });
    Harness.await(started);
    List<TaskHandle<Integer>> queued = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      queued.add(pool.submit(queuedRan::incrementAndGet));
    }
    List<TaskHandle<?>> neverRan = pool.shutdownNow();
    assertThat(pool.awaitTermination(Delays.LONG)).isTrue();
    assertThat(neverRan).containsExactlyInAnyOrderElementsOf(queued);
    assertThat(queued).allSatisfy(t -> assertThat(t.status()).isEqualTo(TaskState.CANCELLED));
    assertThat(running.status()).isEqualTo(TaskState.CANCELLED);
    assertThat(queuedRan).hasValue(0);
    PoolStats stats = pool.stats();
    assertThat(stats.cancelled()).isEqualTo(21);
    assertThat(stats.queued()).isZero();
    assertThat(stats.running()).isZero();
  }

  /**
   * Both threads of a two-thread pool block joining tasks queued behind them: the pool does not
   * add a thread to run those (a ForkJoinPool would, by default), so they stay queued until
   * cancelled, and every task still ends once.
   */
  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void tasksBlockedInJoins_doNotMakeThePoolAddThreads(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind, b -> b.threads(2))) {
      CountDownLatch bothRunning = new CountDownLatch(2);
      CountDownLatch targetsSubmitted = new CountDownLatch(1);
      CountDownLatch bothCancelled = new CountDownLatch(1); // no thread frees up before that
      List<TaskHandle<Integer>> targets = new ArrayList<>();
      List<TaskHandle<String>> joiners = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        int me = i;
        joiners.add(pool.submit(() -> {
          bothRunning.countDown();
          Harness.await(targetsSubmitted);
          try {
            targets.get(me).join();
            return "joined";
          } catch (CancellationException e) {
            Harness.await(bothCancelled);
            return "cancelled";
          } catch (CompletionException e) {
            return "failed: " + e;
          }
        }));
      }
      Harness.await(bothRunning);
      targets.add(pool.submit(() -> 1));
      targets.add(pool.submit(() -> 2));
      targetsSubmitted.countDown();
      Thread.sleep(Delays.SHORT.toMillis());
      assertThat(targets).allSatisfy(t -> assertThat(t.status()).isEqualTo(TaskState.PENDING));
      assertThat(ThreadDumps.all(Harness.GEARBOX_PREFIX + pool.name() + "-"))
          .as("the pool's threads").hasSize(2);
      targets.forEach(t -> t.cancel(true));
      bothCancelled.countDown();
      assertThat(joiners).allSatisfy(j -> assertThat(j.join()).isEqualTo("cancelled"));
      assertThatThrownBy(() -> targets.get(0).join()).isInstanceOf(CancellationException.class);
      assertThat(pool.stats().succeeded()).isEqualTo(2);
      assertThat(pool.stats().cancelled()).isEqualTo(2);
    }
  }
}
