package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gearboxtest.hostile.Gadget;
import gearboxtest.narrow.NarrowTasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process pool under faults it did not cause (issue 14), with real processes: workers that
 * never connect, tasks waiting for a worker, workers killed from outside. (The pool's socket under
 * faults: io.gearbox.internal.process.SocketFaultsTest.)
 */
class ProcessFaultsTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path tmp;

  private ProcessPool track(ProcessPool p) {
    h.track(p);
    return p;
  }

  /** A "java" that starts and never connects: the shape of a wrong launcher or a hung JVM. */
  private Path silentJava() throws Exception {
    Path script = tmp.resolve("silent-java");
    Files.writeString(script, "#!/bin/sh\nexec sleep 1000\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  // ---------------------------------------------------------------- workers that never connect

  @Test
  void neverConnecting_twoWorkers_poolBreaksAndItsTaskFailsWithinTheStartTimeout() throws Exception {
    Duration startTimeout = Delays.scaled(Duration.ofSeconds(2));
    // a generous restart limit: what must break the pool is that no worker ever connected,
    // not the count of failures
    try (ProcessPool p = track(Gearbox.processBuilder().workers(2).replayOutput(false)
        .javaCommand(silentJava()).spawnTimeout(startTimeout)
        .restartLimit(1000, Duration.ofMinutes(5)).build())) {
      TaskHandle<Integer> task = p.submit(() -> 1);

      assertThat(task.await(startTimeout.plus(Delays.LONG)))
          .as("the task ends within the start timeout plus a margin; stats %s", p.processStats())
          .isTrue();
      assertThat(task.status()).isEqualTo(TaskState.FAILED);
      assertThat(ProcessTests.failure(task)).isInstanceOf(PoolBrokenException.class);
      assertThat(p.processStats().broken()).isTrue();
      assertThat(p.processStats().live()).isZero();
      assertThat(p.brokenCause().orElseThrow()).isInstanceOf(WorkerStartException.class);
    }
  }

  @Test
  void neverConnecting_startTimeoutMessage_saysItDidNotConnectAndWhatToCheck() throws Exception {
    Duration startTimeout = Delays.scaled(Duration.ofSeconds(1));
    try (ProcessPool p = track(Gearbox.processBuilder().workers(1).replayOutput(false)
        .javaCommand(silentJava()).spawnTimeout(startTimeout).build())) {
      Harness.eventually().atMost(startTimeout.plus(Delays.LONG))
          .until(() -> p.brokenCause().isPresent());

      assertThat(p.brokenCause().orElseThrow()).isInstanceOf(WorkerStartException.class)
          .hasMessageContaining("did not connect to the pool's socket within")
          .hasMessageContaining("spawnTimeout")
          .hasMessageContaining("silent-java")
          .hasMessageNotContaining("SIGKILL")
          .hasMessageNotContaining("signal");
    }
  }

  // ---------------------------------------------------------------- waiting for a worker

  @Test
  void waitingForAWorker_taskIsPendingAndCountsAsQueuedNotRunning() throws Exception {
    try (ProcessPool p = track(Gearbox.processBuilder().workers(1).replayOutput(false)
        .javaCommand(silentJava()).spawnTimeout(Duration.ofMinutes(5)).build())) {
      ProcessTaskHandle<Integer> waiting = p.submit(() -> 1);
      // its driver takes it at once and waits for the worker, which never comes
      Harness.eventually().until(() -> p.stats().submitted() == 1 && !waiting.isDone());
      Thread.sleep(Delays.SHORT.toMillis());

      assertThat(waiting.status()).isEqualTo(TaskState.PENDING);
      PoolStats stats = p.stats();
      assertThat(stats.queued()).as("%s", stats).isEqualTo(1);
      assertThat(stats.running()).as("%s", stats).isZero();

      assertThat(waiting.cancel(true)).isTrue();
      assertThat(waiting.status()).isEqualTo(TaskState.CANCELLED);
      assertThat(waiting.cancelRung()).isEqualTo(CancelRung.NOT_STARTED);
      Harness.eventually().untilAsserted(() -> {
        PoolStats after = p.stats();
        assertThat(after.queued() + after.running()).as("%s", after).isZero();
        assertThat(after.cancelled()).isEqualTo(1);
      });
    }
  }

  // ---------------------------------------------------------------- the allow-list

  @Test
  void allowList_jdkClassOutsideCollections_isRefusedInTheCaller() {
    try (ProcessPool p = ProcessTests.pool(h, 1, b -> b)) {
      Throwable e = ProcessTests.failure(p.submit(() -> java.util.regex.Pattern.compile("a+")));
      assertThat(e).isInstanceOf(java.io.InvalidClassException.class)
          .hasMessageContaining("java.util.regex.Pattern");
      assertThat(p.invoke(() -> new java.util.TreeMap<>(java.util.Map.of("a", java.util.UUID.randomUUID()))))
          .as("JDK collections and values still pass").hasSize(1);
    }
  }

  @Test
  void allowList_taskPackageClassNoTypeNames_isRefusedInTheCallerWhileNamedResultTypesPass() {
    try (ProcessPool p = ProcessTests.pool(h, 1, b -> b)) {
      assertThat(p.invoke(NarrowTasks.point())).isEqualTo(new NarrowTasks.Point(1, 2));
      assertThat(p.invoke(NarrowTasks.box()).points).containsExactly(new NarrowTasks.Point(3, 4));

      int compared = NarrowTasks.CountingComparator.COMPARED.get();
      Throwable e = ProcessTests.failure(p.submit(NarrowTasks.sortedByAComparator()));
      assertThat(e).isInstanceOf(java.io.InvalidClassException.class)
          .hasMessageContaining(NarrowTasks.CountingComparator.class.getName())
          .hasMessageContaining("refused by the allow-list");
      assertThat(NarrowTasks.CountingComparator.COMPARED.get()).as("never ran in the caller")
          .isEqualTo(compared);

      // the price: an erased result type names nothing, and the message says what to do
      assertThat(ProcessTests.failure(p.submit(NarrowTasks.crates())))
          .isInstanceOf(java.io.InvalidClassException.class)
          .hasMessageContaining(NarrowTasks.Crate.class.getName())
          .hasMessageContaining("return a record")
          .hasMessageContaining("allowPackages(\"gearboxtest.narrow\")");
    }
    try (ProcessPool p = ProcessTests.pool(h, 1, b -> b.allowPackages("gearboxtest.narrow"))) {
      assertThat(p.invoke(NarrowTasks.sortedByAComparator())).as("the control: allowed by name")
          .containsKeys("a", "b");
    }
  }

  @Test
  void allowList_taskCapturingAClassAWorkerRefuses_failsAtSubmitNamingIt() {
    try (ProcessPool p = ProcessTests.pool(h, 1, b -> b)) {
      Gadget other = new Gadget("from another package");
      assertThatThrownBy(() -> p.submit(NarrowTasks.capturing(other)))
          .isInstanceOf(TaskNotSerializableException.class)
          .hasMessageContaining(Gadget.class.getName())
          .hasMessageContaining("allowPackages(\"gearboxtest.hostile\")")
          .hasMessageStartingWith("task (")
          .satisfies(t -> assertThat(t.getMessage()).as("said once, not wrapped in itself")
              .doesNotContain("could not be encoded").doesNotContain("TaskNotSerializableException"));
      assertThat(p.stats().submitted()).as("nothing reached the pool").isZero();
    }
  }

  // ---------------------------------------------------------------- killed from outside

  @Test
  void killedFromOutside_onEveryAttempt_failsWithTheKillNotAsAPoisonTask() throws Exception {
    String dir = tmp.toString();
    try (ProcessPool p = ProcessTests.pool(h, 1, b -> b)) {
      ProcessTaskHandle<String> t = p.submit(() -> {
        ProcessTests.touch(dir, "attempt-" + ProcessHandle.current().pid());
        Thread.sleep(60_000);
        return "not killed";
      }, TaskOptions.defaults().withRetries(2));
      List<Long> killed = new ArrayList<>();
      for (int attempt = 1; attempt <= 3; attempt++) {
        int n = attempt;
        Harness.eventually().atMost(ProcessTests.STARTUP).until(() -> t.attempts() == n
            && Files.exists(tmp.resolve("attempt-" + t.workerPid().orElse(-1))));
        long pid = t.workerPid().orElseThrow();
        ProcessTests.sigkill(pid); // from outside: neither the task nor the pool
        killed.add(pid);
      }

      Throwable e = ProcessTests.failure(t);
      assertThat(e).isExactlyInstanceOf(WorkerCrashedException.class)
          .hasMessageContaining("killed by signal 9 (SIGKILL)")
          .hasMessageContaining("from outside")
          .hasMessageContaining("(attempt 3)");
      WorkerCrashedException crash = (WorkerCrashedException) e;
      assertThat(crash.killedFromOutside()).isTrue();
      assertThat(crash.pid()).isEqualTo(killed.getLast());
      assertThat(e.getSuppressed()).hasSize(2).allSatisfy(s ->
          assertThat(s).isInstanceOf(WorkerCrashedException.class).hasMessageContaining("SIGKILL"));
    }
  }

  @Test
  void crashOfItsOwnMaking_onEveryAttempt_isStillAPoisonTaskAndNotCalledAnOutsideKill() {
    try (ProcessPool p = ProcessTests.pool(h, 1, b -> b)) {
      ProcessTaskHandle<Object> t = p.submit(() -> {
        Runtime.getRuntime().halt(13);
        return null;
      }, TaskOptions.defaults().withRetries(1));
      Throwable e = ProcessTests.failure(t);
      assertThat(e).isInstanceOf(PoisonTaskException.class).hasMessageNotContaining("outside");
      assertThat(((PoisonTaskException) e).crashes())
          .noneMatch(WorkerCrashedException::killedFromOutside);
    }
  }

  // ---------------------------------------------------------------- chaos

  /**
   * A random worker SIGKILLed every 300 ms (while all three are up) as 500 retried tasks run: every task succeeds with
   * its own result, at most its 4 attempts each, and the re-runs add up with the pool's count.
   * Bounded: the killing stops after 20 s (scaled) if the tasks have not all ended by then (a
   * loaded machine can take seconds to start a worker); the rest must then end promptly.
   */
  @Test
  void chaos_randomWorkerSigkilledEvery300ms_allOf500RetriedTasksSucceed() throws Exception {
    int tasks = 500;
    int workers = 3;
    try (ProcessPool p = ProcessTests.pool(h, workers, b -> b.restartLimit(10_000, Duration.ofMinutes(1)))) {
      java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicInteger kills = new java.util.concurrent.atomic.AtomicInteger();
      long chaosEnd = System.nanoTime() + Delays.scaled(Duration.ofSeconds(20)).toNanos();
      Thread killer = h.startThread("killer", () -> {
        java.util.Random random = new java.util.Random(14);
        while (!done.get() && System.nanoTime() - chaosEnd < 0) {
          Thread.sleep(300);
          List<Long> pids = p.workerPids();
          // only while every worker is up: on a loaded machine a start can take longer than
          // the 300 ms between kills, and the pool would only ever run one doomed worker
          if (pids.size() == workers) {
            ProcessTests.sigkill(pids.get(random.nextInt(pids.size())));
            kills.incrementAndGet();
          }
        }
      });
      List<ProcessTaskHandle<Integer>> handles = new ArrayList<>();
      long deadline = chaosEnd + ProcessTests.STARTUP.plus(Delays.LONG).toNanos();
      try {
        for (int i = 0; i < tasks; i++) {
          int n = i;
          handles.add(p.submit(() -> {
            Thread.sleep(20);
            return n * 2;
          }, TaskOptions.defaults().withRetries(3)));
        }
        for (ProcessTaskHandle<Integer> t : handles) {
          assertThat(t.await(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))))
              .as("%s ends within the bound; pool %s", t, p.processStats()).isTrue();
        }
      } finally {
        done.set(true);
        Harness.join(killer);
      }
      long reruns = 0;
      for (int i = 0; i < tasks; i++) {
        ProcessTaskHandle<Integer> t = handles.get(i);
        assertThat(t.status()).as("%s", t).isEqualTo(TaskState.SUCCEEDED);
        assertThat(t.join()).isEqualTo(i * 2);
        assertThat(t.attempts()).isBetween(1, 4);
        reruns += t.attempts() - 1;
      }
      ProcessPoolStats stats = p.processStats();
      System.out.printf("chaos: %d kills, %d tasks run twice or more (%d re-runs), %s%n",
          kills.get(), handles.stream().filter(t -> t.attempts() > 1).count(), reruns, stats);
      assertThat(kills.get()).as("the killer ran").isPositive();
      assertThat(stats.retries()).as("re-runs counted by the pool").isEqualTo(reruns);
      assertThat(stats.broken()).isFalse();
      assertThat(p.stats().succeeded()).isEqualTo(tasks);
    }
  }
}
