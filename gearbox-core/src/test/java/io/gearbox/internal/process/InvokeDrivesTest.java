package io.gearbox.internal.process;

import static io.gearbox.internal.process.CallerDrivesFixtures.awaitFile;
import static io.gearbox.internal.process.CallerDrivesFixtures.awaitLive;
import static io.gearbox.internal.process.CallerDrivesFixtures.blocking;
import static io.gearbox.internal.process.CallerDrivesFixtures.sleep;
import static io.gearbox.internal.process.CallerDrivesFixtures.touch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gearbox.Delays;
import io.gearbox.Gearbox;
import io.gearbox.Harness;
import io.gearbox.PoolStats;
import io.gearbox.ProcessPool;
import io.gearbox.ProcessTaskHandle;
import io.gearbox.SerializableCallable;
import io.gearbox.TaskFailedException;
import io.gearbox.TaskOptions;
import io.gearbox.TaskTimeoutException;
import io.gearbox.WorkerCrashedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast path of invoke ({@link CallerDrives}): the invoking thread runs its own round trip with
 * an idle worker. Real worker processes. Each case checks that the caller did drive the call (the
 * pool's count of caller-driven calls), that the task ended in exactly one state with the pool's
 * counters agreeing, and what invoke threw; the harness checks that no thread, process or
 * interrupt is left behind.
 */
class InvokeDrivesTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path tmp;

  private static ProcessPoolEngine pool(Duration cancelGrace) {
    ProcessPoolEngine p = (ProcessPoolEngine) Gearbox.processBuilder().workers(1).replayOutput(false)
        .cancelGrace(cancelGrace).build();
    return awaitLive(p, 1);
  }

  /** Nothing queued or running, every task counted once, in the states given. */
  private static void assertCounted(ProcessPool p, long succeeded, long failed, long cancelled,
      long timedOut) {
    PoolStats s = p.stats();
    assertThat(s.queued() + s.running()).as("queued + running").isZero();
    assertThat(s.succeeded() + s.failed() + s.cancelled() + s.timedOut()).isEqualTo(s.submitted());
    assertThat(s.succeeded()).as("succeeded").isEqualTo(succeeded);
    assertThat(s.failed()).as("failed").isEqualTo(failed);
    assertThat(s.cancelled()).as("cancelled").isEqualTo(cancelled);
    assertThat(s.timedOut()).as("timed out").isEqualTo(timedOut);
  }

  @Test
  void invoke_withAnIdleWorker_runsTheRoundTripOnTheCallerWithResultsAndStatsAsADriver() {
    try (ProcessPoolEngine p = pool(Duration.ofSeconds(5))) {
      for (int i = 0; i < 50; i++) {
        int x = i;
        assertThat(p.invoke((SerializableCallable<Integer>) () -> x * 2)).isEqualTo(2 * i);
      }
      assertThat(p.callerDrivenCalls()).isEqualTo(50);
      // a task's own exception, as through a driver
      Throwable thrown = catchThrowable(() -> p.invoke((SerializableCallable<Integer>) () -> {
        throw new IllegalStateException("boom");
      }));
      assertThat(thrown).isInstanceOf(TaskFailedException.class)
          .cause().isInstanceOf(IllegalStateException.class).hasMessage("boom");
      assertThat(p.callerDrivenCalls()).isEqualTo(51);
      assertCounted(p, 50, 1, 0, 0);
      // the worker went back to the pool: a submitted task runs on it
      assertThat(p.submit((SerializableCallable<Integer>) () -> 7).join()).isEqualTo(7);
    }
  }

  @Test
  void invoke_withNoIdleWorker_goesThroughADriver() throws Exception {
    String dir = tmp.toString();
    try (ProcessPoolEngine p = pool(Duration.ofSeconds(5))) {
      ProcessTaskHandle<String> busy = p.submit(blocking(dir, "busy"));
      awaitFile(tmp, "started-busy");
      long driven = p.callerDrivenCalls();
      Thread invoker = Thread.ofPlatform().name("invoke-test-invoker").start(h.checked(() ->
          assertThat(p.invoke((SerializableCallable<Integer>) () -> 41 + 1)).isEqualTo(42)));
      sleep(100);
      touch(dir, "go-busy");
      Harness.join(invoker);
      assertThat(busy.join()).isEqualTo("done");
      assertThat(p.callerDrivenCalls()).isEqualTo(driven);
      assertCounted(p, 2, 0, 0, 0);
    }
  }

  @Test
  void invoke_fromAVirtualThread_goesThroughADriver() throws Exception {
    try (ProcessPoolEngine p = pool(Duration.ofSeconds(5))) {
      Thread invoker = Thread.ofVirtual().name("invoke-test-virtual").start(h.checked(() ->
          assertThat(p.invoke((SerializableCallable<Integer>) () -> 6 * 7)).isEqualTo(42)));
      Harness.join(invoker);
      assertThat(p.callerDrivenCalls()).isZero();
      assertCounted(p, 1, 0, 0, 0);
    }
  }

  @Test
  void invoke_pastItsDeadlineWhileDriving_throwsBeforeTheLadderEnds() {
    Duration grace = Delays.scaled(Duration.ofSeconds(5));
    try (ProcessPoolEngine p = pool(grace)) {
      Callable<String> ignoresInterrupts = (SerializableCallable<String>) () -> {
        long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < end) {
          try {
            Thread.sleep(1000);
          } catch (InterruptedException ignored) {
            // keeps going: only a kill ends it
          }
        }
        return "slept";
      };
      Throwable thrown = catchThrowable(() ->
          p.invoke(ignoresInterrupts, TaskOptions.timeout(Duration.ofMillis(300))));
      // the kill comes only after the grace: invoke did not wait for the ladder
      long killedAtReturn = p.processStats().killed();
      assertThat(thrown).isInstanceOf(TaskTimeoutException.class);
      assertThat(p.callerDrivenCalls()).isEqualTo(1);
      assertThat(killedAtReturn).as("killed when invoke returned").isZero();
      Harness.eventually().atMost(grace.plus(Delays.LONG))
          .until(() -> p.processStats().killed() == 1);
      assertCounted(p, 0, 0, 0, 1);
      assertThat(awaitLive(p, 1).invoke((SerializableCallable<String>) () -> "next")).isEqualTo("next");
    }
  }

  @Test
  void invoke_whoseWorkerDiesWhileDriving_failsWithTheCrashOrSucceedsOnItsRetry() {
    String dir = tmp.toString();
    try (ProcessPoolEngine p = pool(Duration.ofSeconds(5))) {
      Throwable crashed = catchThrowable(() -> p.invoke((SerializableCallable<String>) () -> {
        Runtime.getRuntime().halt(3);
        return "unreachable";
      }));
      assertThat(crashed).isInstanceOf(TaskFailedException.class)
          .cause().isInstanceOf(WorkerCrashedException.class);
      // a retry on a fresh worker: the first attempt halts, the second finds its marker
      String second = awaitLive(p, 1).invoke((SerializableCallable<String>) () -> {
        if (Files.exists(Path.of(dir, "crashed"))) {
          return "second attempt";
        }
        touch(dir, "crashed");
        Runtime.getRuntime().halt(3);
        return "unreachable";
      }, TaskOptions.defaults().withRetries(1));
      assertThat(second).isEqualTo("second attempt");
      assertThat(p.callerDrivenCalls()).isEqualTo(2);
      assertThat(p.processStats().crashed()).isEqualTo(2);
      assertThat(p.processStats().retries()).isEqualTo(1);
      assertCounted(p, 1, 1, 0, 0);
    }
  }

  @Test
  void invoke_callerInterruptedWhileDriving_cancelsTheTaskAndKeepsTheFlag() throws Exception {
    String dir = tmp.toString();
    Thread caller = Thread.currentThread();
    try (ProcessPoolEngine p = pool(Duration.ofSeconds(5))) {
      Thread interrupter = Thread.ofPlatform().name("invoke-test-interrupter").start(h.checked(() -> {
        awaitFile(tmp, "started-t");
        caller.interrupt();
      }));
      Throwable thrown = catchThrowable(() -> p.invoke(blocking(dir, "t")));
      boolean flag = Thread.interrupted();
      Harness.join(interrupter);
      assertThat(flag).as("interrupt flag").isTrue();
      assertThat(thrown).isInstanceOf(CompletionException.class)
          .cause().isInstanceOf(InterruptedException.class);
      assertThat(p.callerDrivenCalls()).isEqualTo(1);
      // the task saw its interrupt in the worker (the ladder's first rung), so the worker lives on
      assertThat(p.invoke((SerializableCallable<String>) () -> "next")).isEqualTo("next");
      assertThat(p.processStats().killed()).isZero();
      assertCounted(p, 1, 0, 1, 0);
    }
  }

  @Test
  void shutdownNow_whileACallerDrives_cancelsItsTask() throws Exception {
    String dir = tmp.toString();
    ProcessPoolEngine p = pool(Duration.ofSeconds(5));
    try {
      Thread stopper = Thread.ofPlatform().name("invoke-test-stopper").start(h.checked(() -> {
        awaitFile(tmp, "started-t");
        p.shutdownNow();
      }));
      Throwable thrown = catchThrowable(() -> p.invoke(blocking(dir, "t")));
      Harness.join(stopper);
      assertThat(thrown).isInstanceOf(CancellationException.class);
      assertThat(Thread.currentThread().isInterrupted()).isFalse();
      assertThat(p.awaitTermination(Delays.LONG)).isTrue();
      assertCounted(p, 0, 0, 1, 0);
    } finally {
      p.shutdownNow();
      p.awaitTermination(Delays.LONG);
    }
  }

  @Test
  void shutdown_whileACallerDrives_waitsForItsTaskThenReapsTheWorkers() throws Exception {
    String dir = tmp.toString();
    ProcessPoolEngine p = pool(Duration.ofSeconds(5));
    try {
      Thread closer = Thread.ofPlatform().name("invoke-test-closer").start(h.checked(() -> {
        awaitFile(tmp, "started-t");
        p.shutdown();
        sleep(200); // the driver pool terminates at once: nothing is queued or on a driver
        assertThat(p.isTerminated()).as("terminated while a caller drives").isFalse();
        touch(dir, "go-t");
      }));
      assertThat(p.invoke(blocking(dir, "t"))).isEqualTo("done");
      Harness.join(closer);
      assertThat(p.awaitTermination(Delays.LONG)).isTrue();
      assertThat(p.callerDrivenCalls()).isEqualTo(1);
      assertCounted(p, 1, 0, 0, 0);
    } finally {
      p.shutdownNow();
      p.awaitTermination(Delays.LONG);
    }
  }
}
