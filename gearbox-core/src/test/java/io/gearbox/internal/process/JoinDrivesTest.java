package io.gearbox.internal.process;

import static io.gearbox.internal.process.CallerDrivesFixtures.awaitFile;
import static io.gearbox.internal.process.CallerDrivesFixtures.awaitLive;
import static io.gearbox.internal.process.CallerDrivesFixtures.blocking;
import static io.gearbox.internal.process.CallerDrivesFixtures.sleep;
import static io.gearbox.internal.process.CallerDrivesFixtures.touch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gearbox.CancelRung;
import io.gearbox.Delays;
import io.gearbox.Gearbox;
import io.gearbox.Harness;
import io.gearbox.PoolStats;
import io.gearbox.ProcessPool;
import io.gearbox.ProcessTaskHandle;
import io.gearbox.SerializableCallable;
import io.gearbox.TaskFailedException;
import io.gearbox.TaskOptions;
import io.gearbox.TaskState;
import io.gearbox.TaskTimeoutException;
import io.gearbox.TaskTimings;
import io.gearbox.WorkerCrashedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast path of join ({@link CallerDrives#driveQueued}): a thread that joins a task no driver
 * has taken yet, while a worker is idle, runs its round trip itself. Real worker processes. A
 * driver may win the race for the task (the submit woke it); then the case is tried again, up to
 * a bound. Each case checks that the joiner did drive the task it judges, that the task ended in
 * exactly one state with the pool's counters agreeing, and what join threw; the harness checks
 * that no thread, process or interrupt is left behind.
 */
class JoinDrivesTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path tmp;

  /** Tries before a case gives up on winning the race against the driver. */
  private static final int TRIES = 200;

  private static ProcessPoolEngine pool(int workers, Duration cancelGrace) {
    // crashes of tries a driver won count too: a generous restart limit keeps the pool whole
    ProcessPoolEngine p = (ProcessPoolEngine) Gearbox.processBuilder().workers(workers)
        .replayOutput(false).cancelGrace(cancelGrace).restartLimit(1000, Duration.ofMinutes(1))
        .build();
    return awaitLive(p, workers);
  }

  /**
   * Submits a task and joins it on this thread until this thread has driven one (a driver may
   * take it first); returns that handle, after {@code check} saw what its join threw (with the
   * interrupt flag as the join left it). {@code duringJoin}, if given, runs on a helper thread
   * started before the submit and gets the handle once submit returned.
   */
  private <T> ProcessTaskHandle<T> joinDriven(ProcessPoolEngine p, IntFunction<ProcessTaskHandle<T>> submit,
      BiConsumer<Supplier<ProcessTaskHandle<T>>, Integer> duringJoin, Consumer<Throwable> check)
      throws InterruptedException {
    return joinDriven(p, submit, duringJoin, check, ProcessTaskHandle::join);
  }

  /** How the test thread waits for its task: {@code join()} or {@code get()}. */
  private interface Wait<T> {
    void waitFor(ProcessTaskHandle<T> t) throws Exception;
  }

  /** {@link #joinDriven} waiting with {@code wait} instead of {@code join()}. */
  private <T> ProcessTaskHandle<T> joinDriven(ProcessPoolEngine p, IntFunction<ProcessTaskHandle<T>> submit,
      BiConsumer<Supplier<ProcessTaskHandle<T>>, Integer> duringJoin, Consumer<Throwable> check,
      Wait<T> wait) throws InterruptedException {
    long end = System.nanoTime() + Delays.LONG.multipliedBy(3).toNanos();
    for (int i = 0; i < TRIES && System.nanoTime() < end; i++) {
      int n = i;
      // a worker back from the last try (a cancelled try's ladder may still hold it) and a driver
      // thread waiting (the pool's first task starts one with the task, never queued)
      awaitLive(p, 1);
      p.submit((SerializableCallable<Integer>) () -> 0).join();
      sleep(10); // the driver that submit woke goes back to wait
      // the helper starts first: a thread start between submit and join lets the driver win
      AtomicReference<ProcessTaskHandle<T>> handle = new AtomicReference<>();
      Thread helper = duringJoin == null ? null : Thread.ofPlatform().name("join-test-helper")
          .start(h.checked(() -> duringJoin.accept(() -> {
            while (handle.get() == null) { // the task may start before submit returns
              Thread.onSpinWait();
            }
            return handle.get();
          }, n)));
      long drivenBefore = p.joinDrivenCalls();
      ProcessTaskHandle<T> t = submit.apply(i);
      handle.set(t);
      Throwable thrown = catchThrowable(() -> wait.waitFor(t));
      boolean wasInterrupted = Thread.interrupted();
      if (helper != null) {
        Harness.join(helper);
      }
      assertThat(t.isDone()).isTrue();
      boolean drove = ((RemoteHandle<?>) t).drivenBy(Thread.currentThread());
      assertThat(p.joinDrivenCalls() - drivenBefore).as("calls driven by this join")
          .isEqualTo(drove ? 1 : 0);
      if (drove) {
        if (wasInterrupted) {
          Thread.currentThread().interrupt(); // for check to see
        }
        try {
          check.accept(thrown);
        } finally {
          Thread.interrupted();
        }
        return t;
      }
    }
    throw new AssertionError("no join drove its task in " + TRIES + " tries or "
        + Delays.LONG.multipliedBy(3) + " (a driver took each first)");
  }

  /**
   * The pool's counters once every task has ended: nothing queued or running, every submitted
   * task counted in one terminal state, and at least the judged cases' (the warm-up tasks and the
   * tries a driver won add theirs).
   */
  private static void assertCounted(ProcessPool p, long succeeded, long failed, long cancelled,
      long timedOut) {
    PoolStats s = p.stats();
    assertThat(s.queued() + s.running()).as("queued + running").isZero();
    assertThat(s.succeeded() + s.failed() + s.cancelled() + s.timedOut()).isEqualTo(s.submitted());
    assertThat(s.succeeded()).as("succeeded").isGreaterThanOrEqualTo(succeeded);
    assertThat(s.failed()).as("failed").isGreaterThanOrEqualTo(failed);
    assertThat(s.cancelled()).as("cancelled").isGreaterThanOrEqualTo(cancelled);
    assertThat(s.timedOut()).as("timed out").isGreaterThanOrEqualTo(timedOut);
  }

  @Test
  void join_drivesATinyTask_resultStateTimingsAndStatsAsThroughADriver() throws Exception {
    try (ProcessPoolEngine p = pool(1, Duration.ofSeconds(5))) {
      ProcessTaskHandle<Integer> t = joinDriven(p,
          i -> p.submit((SerializableCallable<Integer>) () -> i + 1), null,
          thrown -> assertThat(thrown).isNull());
      assertThat(t.status()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(t.attempts()).isEqualTo(1);
      assertThat(t.workerPid()).isPresent();
      assertThat(t.timings()).isNotEqualTo(TaskTimings.NONE);
      assertThat(t.cancelRung()).isEqualTo(CancelRung.NONE);
      assertCounted(p, 1, 0, 0, 0);
      // the worker went back to the pool: the next task runs on it
      assertThat(p.submit((SerializableCallable<Long>) () -> ProcessHandle.current().pid()).join())
          .isEqualTo(t.workerPid().getAsLong());
    }
  }

  @Test
  void join_ofATaskThatThrows_failsAsThroughADriver() throws Exception {
    try (ProcessPoolEngine p = pool(1, Duration.ofSeconds(5))) {
      ProcessTaskHandle<Integer> t = joinDriven(p,
          i -> p.submit((SerializableCallable<Integer>) () -> {
            throw new IllegalStateException("boom " + i);
          }), null,
          thrown -> assertThat(thrown).isInstanceOf(TaskFailedException.class)
              .cause().isInstanceOf(IllegalStateException.class));
      assertThat(t.status()).isEqualTo(TaskState.FAILED);
      assertCounted(p, 0, 1, 0, 0);
    }
  }

  @Test
  void join_withNoIdleWorker_waitsForADriver() throws Exception {
    String dir = tmp.toString();
    try (ProcessPoolEngine p = pool(1, Duration.ofSeconds(5))) {
      ProcessTaskHandle<String> busy = p.submit(blocking(dir, "busy"));
      awaitFile(tmp, "started-busy");
      ProcessTaskHandle<Integer> queued = p.submit((SerializableCallable<Integer>) () -> 41 + 1);
      Thread opener = Thread.ofPlatform().name("join-test-opener").start(h.checked(() -> {
        sleep(100);
        touch(dir, "go-busy");
      }));
      assertThat(queued.join()).isEqualTo(42); // found no idle worker: a driver ran it
      Harness.join(opener);
      assertThat(busy.join()).isEqualTo("done");
      assertThat(p.joinDrivenCalls()).isZero();
      assertCounted(p, 2, 0, 0, 0);
    }
  }

  @Test
  void join_fromAVirtualThread_waitsForADriver() throws Exception {
    try (ProcessPoolEngine p = pool(1, Duration.ofSeconds(5))) {
      for (int i = 0; i < 20; i++) {
        int x = i;
        Thread joiner = Thread.ofVirtual().name("join-test-virtual").start(h.checked(() ->
            assertThat(p.submit((SerializableCallable<Integer>) () -> x * 2).join()).isEqualTo(2 * x)));
        Harness.join(joiner);
      }
      assertThat(p.joinDrivenCalls()).isZero();
      assertCounted(p, 20, 0, 0, 0);
    }
  }

  @Test
  void twoJoiners_atMostOneDrives_bothSeeTheOneResult() throws Exception {
    try (ProcessPoolEngine p = pool(2, Duration.ofSeconds(5))) {
      for (int i = 0; i < 50; i++) {
        int x = i;
        ProcessTaskHandle<Integer> t = p.submit((SerializableCallable<Integer>) () -> x + 100);
        Thread other = Thread.ofPlatform().name("join-test-second").start(h.checked(() ->
            assertThat(t.join()).isEqualTo(x + 100)));
        assertThat(t.join()).isEqualTo(x + 100);
        Harness.join(other);
        assertThat(t.attempts()).isEqualTo(1);
      }
      assertThat(p.joinDrivenCalls()).isLessThanOrEqualTo(50);
      assertCounted(p, 50, 0, 0, 0);
      assertThat(p.stats().submitted()).isEqualTo(50);
    }
  }

  @Test
  void drivenTask_cancelledWhileInTheWorker_endsCancelledOnceAfterTheInterruptRung() throws Exception {
    String dir = tmp.toString();
    try (ProcessPoolEngine p = pool(1, Duration.ofSeconds(5))) {
      ProcessTaskHandle<String> t = joinDriven(p,
          i -> p.submit((SerializableCallable<String>) () -> {
            touch(dir, "started-" + i);
            Thread.sleep(60_000);
            return "slept";
          }),
          (task, i) -> {
            awaitFile(tmp, "started-" + i);
            assertThat(task.get().cancel(true)).isTrue();
          },
          thrown -> assertThat(thrown).isInstanceOf(CancellationException.class));
      assertThat(t.status()).isEqualTo(TaskState.CANCELLED);
      assertThat(t.cancel(true)).isFalse();
      // the ladder runs on a thread of its own: the task answers its interrupt within the grace
      Harness.eventually().atMost(Delays.LONG)
          .until(() -> t.cancelRung() == CancelRung.INTERRUPTED);
      assertThat(p.submit((SerializableCallable<String>) () -> "next").join()).isEqualTo("next");
      assertThat(p.processStats().killed()).isZero();
      assertCounted(p, 1, 0, 1, 0);
    }
  }

  @Test
  void drivenTask_pastItsDeadline_joinReturnsBeforeTheLadderEnds() throws Exception {
    Duration grace = Delays.scaled(Duration.ofSeconds(3));
    String dir = tmp.toString();
    Thread tester = Thread.currentThread();
    try (ProcessPoolEngine p = pool(1, grace)) {
      AtomicLong killedBefore = new AtomicLong();
      ProcessTaskHandle<String> t = joinDriven(p,
          i -> {
            killedBefore.set(p.processStats().killed());
            return p.submit((SerializableCallable<String>) () -> {
              // only a kill ends it, unless the test lets a try that a driver took go (below)
              long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
              Path release = Path.of(dir, "release-" + i);
              while (System.nanoTime() < end && !Files.exists(release)) {
                try {
                  Thread.sleep(20);
                } catch (InterruptedException ignored) {
                  // keeps going
                }
              }
              return "released";
            }, TaskOptions.timeout(Duration.ofMillis(300)));
          },
          // a try that a driver took is let go once it timed out, so that its ladder ends at the
          // interrupt instead of the grace and a kill: the next try comes ~3 s sooner (the test
          // has 30 s for a join to win the race)
          (task, i) -> {
            ProcessTaskHandle<String> h = task.get();
            while (!h.isDone()) {
              sleep(5);
            }
            if (!((RemoteHandle<?>) h).drivenBy(tester)) {
              touch(dir, "release-" + i);
            }
          },
          thrown -> {
            // the kill comes only after the grace: join did not wait for the ladder
            assertThat(p.processStats().killed()).as("killed when join returned")
                .isEqualTo(killedBefore.get());
            assertThat(thrown).isInstanceOf(TaskTimeoutException.class);
          });
      assertThat(t.status()).isEqualTo(TaskState.TIMED_OUT);
      Harness.eventually().atMost(grace.plus(Delays.LONG))
          .until(() -> p.processStats().killed() == killedBefore.get() + 1);
      assertThat(t.cancelRung()).isEqualTo(CancelRung.KILLED);
      assertCounted(p, 0, 0, 0, 1);
      assertThat(awaitLive(p, 1).submit((SerializableCallable<String>) () -> "next").join())
          .isEqualTo("next");
    }
  }

  @Test
  void drivenTask_whoseWorkerDies_failsWithTheCrashOrSucceedsOnItsRetry() throws Exception {
    String dir = tmp.toString();
    try (ProcessPoolEngine p = pool(1, Duration.ofSeconds(5))) {
      ProcessTaskHandle<String> crashed = joinDriven(p,
          i -> p.submit((SerializableCallable<String>) () -> {
            Runtime.getRuntime().halt(3);
            return "unreachable";
          }),
          null,
          thrown -> assertThat(thrown).isInstanceOf(TaskFailedException.class)
              .cause().isInstanceOf(WorkerCrashedException.class));
      assertThat(crashed.status()).isEqualTo(TaskState.FAILED);
      assertThat(crashed.attempts()).isEqualTo(1);
      // a retry on a fresh worker: the first attempt halts, the second finds its marker
      ProcessTaskHandle<String> retried = joinDriven(p,
          i -> p.submit((SerializableCallable<String>) () -> {
            if (Files.exists(Path.of(dir, "crashed-" + i))) {
              return "second attempt";
            }
            touch(dir, "crashed-" + i);
            Runtime.getRuntime().halt(3);
            return "unreachable";
          }, TaskOptions.defaults().withRetries(1)),
          null,
          thrown -> assertThat(thrown).isNull());
      assertThat(retried.resultNow()).isEqualTo("second attempt");
      assertThat(retried.attempts()).isEqualTo(2);
      assertThat(p.processStats().crashed()).isGreaterThanOrEqualTo(2);
      assertThat(p.processStats().retries()).isGreaterThanOrEqualTo(1);
      assertCounted(p, 1, 1, 0, 0);
    }
  }

  @Test
  void get_drivesATinyTask_asJoinDoes() throws Exception {
    try (ProcessPoolEngine p = pool(1, Duration.ofSeconds(5))) {
      AtomicReference<Integer> got = new AtomicReference<>();
      ProcessTaskHandle<Integer> t = joinDriven(p,
          i -> p.submit((SerializableCallable<Integer>) () -> i + 1), null,
          thrown -> assertThat(thrown).isNull(), task -> got.set(task.get()));
      assertThat(t.status()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(got.get()).isEqualTo(t.resultNow());
      assertCounted(p, 1, 0, 0, 0);
    }
  }

  @Test
  void drivingJoiner_interrupted_cancelsItsTaskAndKeepsTheFlag() throws Exception {
    interruptedWhileDriving(ProcessTaskHandle::join, thrown -> {
      assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag").isTrue();
      assertThat(thrown).isInstanceOf(CompletionException.class)
          .cause().isInstanceOf(InterruptedException.class);
    });
  }

  @Test
  void drivingGet_interrupted_cancelsItsTaskAndThrowsInterruptedExceptionWithTheFlagCleared()
      throws Exception {
    interruptedWhileDriving(ProcessTaskHandle::get, thrown -> {
      assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag").isFalse();
      assertThat(thrown).isInstanceOf(InterruptedException.class);
    });
  }

  /**
   * A task driven by this thread's {@code wait} (join or get), which another thread interrupts
   * while the task sleeps in its worker: the task ends cancelled after the interrupt rung, the
   * worker serves the next task, and {@code check} sees what the wait threw.
   */
  private void interruptedWhileDriving(Wait<String> wait, Consumer<Throwable> check)
      throws Exception {
    String dir = tmp.toString();
    Thread waiter = Thread.currentThread();
    try (ProcessPoolEngine p = pool(1, Duration.ofSeconds(5))) {
      ProcessTaskHandle<String> t = joinDriven(p,
          i -> p.submit((SerializableCallable<String>) () -> {
            touch(dir, "started-" + i);
            Thread.sleep(60_000);
            return "slept";
          }),
          (task, i) -> {
            awaitFile(tmp, "started-" + i);
            if (((RemoteHandle<?>) task.get()).drivenBy(waiter)) {
              waiter.interrupt();
            } else {
              task.get().cancel(true); // a driver took it: end this try
            }
          },
          check, wait);
      assertThat(t.status()).isEqualTo(TaskState.CANCELLED);
      Harness.eventually().atMost(Delays.LONG)
          .until(() -> t.cancelRung() == CancelRung.INTERRUPTED);
      assertThat(p.submit((SerializableCallable<String>) () -> "next").join()).isEqualTo("next");
      assertCounted(p, 1, 0, 1, 0);
    }
  }

  @Test
  void shutdown_whileAJoinerDrives_waitsForItsTaskThenReapsTheWorkers() throws Exception {
    String dir = tmp.toString();
    Thread joiner = Thread.currentThread();
    ProcessPoolEngine p = pool(1, Duration.ofSeconds(5));
    try {
      ProcessTaskHandle<String> t = joinDriven(p,
          i -> p.submit(blocking(dir, String.valueOf(i))),
          (task, i) -> {
            awaitFile(tmp, "started-" + i);
            if (!((RemoteHandle<?>) task.get()).drivenBy(joiner)) {
              touch(dir, "go-" + i); // a driver took it: end this try
              return;
            }
            p.shutdown();
            sleep(200); // the driver pool terminates at once: nothing is queued or on a driver
            assertThat(p.isTerminated()).as("terminated while a joiner drives").isFalse();
            touch(dir, "go-" + i);
          },
          thrown -> assertThat(thrown).isNull());
      assertThat(t.resultNow()).isEqualTo("done");
      assertThat(p.awaitTermination(Delays.LONG)).isTrue();
    } finally {
      p.shutdownNow();
      p.awaitTermination(Delays.LONG);
    }
  }

  @Test
  void shutdownNow_whileAJoinerDrives_cancelsItsTask() throws Exception {
    String dir = tmp.toString();
    Thread joiner = Thread.currentThread();
    ProcessPoolEngine p = pool(1, Duration.ofSeconds(5));
    try {
      ProcessTaskHandle<String> t = joinDriven(p,
          i -> p.submit(blocking(dir, String.valueOf(i))),
          (task, i) -> {
            awaitFile(tmp, "started-" + i);
            if (!((RemoteHandle<?>) task.get()).drivenBy(joiner)) {
              touch(dir, "go-" + i); // a driver took it: end this try
              return;
            }
            p.shutdownNow();
          },
          thrown -> {
            assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag").isFalse();
            assertThat(thrown).isInstanceOf(CancellationException.class);
          });
      assertThat(t.status()).isEqualTo(TaskState.CANCELLED);
      assertThat(p.awaitTermination(Delays.LONG)).isTrue();
      assertCounted(p, 0, 0, 1, 0);
    } finally {
      p.shutdownNow();
      p.awaitTermination(Delays.LONG);
    }
  }
}
