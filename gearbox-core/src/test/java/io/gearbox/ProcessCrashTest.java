package io.gearbox;

import static io.gearbox.ProcessTests.alive;
import static io.gearbox.ProcessTests.awaitFile;
import static io.gearbox.ProcessTests.awaitFileInWorker;
import static io.gearbox.ProcessTests.awaitLive;
import static io.gearbox.ProcessTests.exists;
import static io.gearbox.ProcessTests.failure;
import static io.gearbox.ProcessTests.sleepUntil;
import static io.gearbox.ProcessTests.touch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import gearboxtest.hostile.Gadget;
import io.gearbox.Bomb.Failure;
import io.gearbox.Bomb.Where;
import java.io.InvalidClassException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Worker deaths, with real processes and real signals (A10 T1-T6, T14, T20; promises P1, P2, P4,
 * P5, P7, P17, P21): kill -9, the crash matrix, a worker that dies after replying, workers killing
 * each other, retries and poison tasks, out of memory, the restart limit and spawn failures.
 */
class ProcessCrashTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path tmp;

  private ProcessPool pool(int workers) {
    return ProcessTests.pool(h, workers, b -> b);
  }

  private ProcessPool pool(int workers, UnaryOperator<ProcessPoolBuilder> config) {
    return ProcessTests.pool(h, workers, config);
  }

  // ---------------------------------------------------------------- kill -9 (T1)

  @Test
  void kill9_workerMidTask_failsOnlyThatTaskWithSignal9AndThePoolRecovers() {
    String dir = tmp.toString();
    try (ProcessPool p = pool(2)) {
      ProcessTaskHandle<String> victim = p.submit(() -> {
        touch(dir, "victim");
        Thread.sleep(60_000);
        return "survived";
      });
      ProcessTaskHandle<String> bystander = p.submit(() -> {
        touch(dir, "bystander");
        awaitFileInWorker(dir, "go");
        return "unaffected";
      });
      awaitFile(tmp, "victim");
      awaitFile(tmp, "bystander");
      long pid = victim.workerPid().orElseThrow();

      ProcessHandle.of(pid).orElseThrow().destroyForcibly();

      Throwable e = failure(victim);
      assertThat(e).isInstanceOf(WorkerCrashedException.class)
          .hasMessageContaining("killed by signal 9 (SIGKILL)");
      WorkerCrashedException crash = (WorkerCrashedException) e;
      assertThat(crash.pid()).isEqualTo(pid);
      assertThat(crash.signal()).isEqualTo(9);
      assertThat(crash.attempt()).isEqualTo(1);
      assertThat(crash.taskId()).isEqualTo(victim.id());
      assertThat(victim.attempts()).isEqualTo(1);

      touch(dir, "go");
      assertThat(bystander.join()).isEqualTo("unaffected");
      assertThat(bystander.workerPid().orElseThrow()).isNotEqualTo(pid);

      awaitLive(p, 2);
      assertThat(p.workerPids()).doesNotContain(pid);
      assertThat(p.invoke(() -> "later")).isEqualTo("later");
      assertThat(p.processStats().crashed()).isEqualTo(1);
      assertThat(p.processStats().retries()).isZero();
    }
  }

  @Test
  void kill9_idempotentTask_isRetriedOnAFreshWorkerAndSucceeds() {
    String dir = tmp.toString();
    try (ProcessPool p = pool(1)) {
      ProcessTaskHandle<String> t = p.submit(() -> {
        if (!exists(dir, "first")) {
          touch(dir, "first");
          Thread.sleep(60_000);
          return "first attempt";
        }
        return "second attempt";
      }, TaskOptions.defaults().withRetries(1));
      awaitFile(tmp, "first");
      long pid = t.workerPid().orElseThrow();

      ProcessHandle.of(pid).orElseThrow().destroyForcibly();

      assertThat(t.join()).isEqualTo("second attempt");
      assertThat(t.attempts()).isEqualTo(2);
      assertThat(t.workerPid().orElseThrow()).isNotEqualTo(pid);
      assertThat(p.processStats().retries()).isEqualTo(1);
      assertThat(p.processStats().crashed()).isEqualTo(1);
      assertThat(p.processStats().staleResults()).isZero();
    }
  }

  @Test
  void kill9_idleWorker_theNextTaskRunsOnAFreshWorkerOrFailsWithThatKill() throws Exception {
    // A worker killed while idle, and a task submitted at once. If the task's frame is refused
    // by the dead worker's socket (or the pool already closed it), the task never reached any
    // process: it goes to a fresh worker, not as an attempt and not as a failure. If the frame
    // went into the socket before the kernel closed it, nothing can tell whether the worker read
    // it, and it fails with that worker's crash. Never a hang, never any other outcome.
    int rounds = 8;
    try (ProcessPool p = pool(1, b -> b.restartLimit(50, Duration.ofMinutes(1)))) {
      int succeeded = 0;
      for (int round = 0; round < rounds; round++) {
        long pid = p.invoke(() -> ProcessHandle.current().pid());
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        ProcessTaskHandle<String> t = p.submit(() -> "after the kill");
        Throwable thrown = catchThrowable(t::join);
        if (thrown == null) {
          succeeded++;
          assertThat(t.attempts()).isEqualTo(1);
          assertThat(t.workerPid().orElseThrow()).isNotEqualTo(pid);
        } else {
          assertThat(thrown).isInstanceOf(TaskFailedException.class);
          assertThat(thrown.getCause()).isInstanceOf(WorkerCrashedException.class);
          assertThat(((WorkerCrashedException) thrown.getCause()).pid()).isEqualTo(pid);
        }
        awaitLive(p, 1);
      }
      ProcessPoolStats stats = p.processStats();
      assertThat(stats.crashed()).isEqualTo(rounds);
      assertThat(stats.retries()).isZero();
      assertThat(p.stats().succeeded()).isEqualTo(rounds + succeeded);
      assertThat(p.stats().failed()).isEqualTo(rounds - succeeded);
    }
  }

  // ---------------------------------------------------------------- poison (T14)

  @Test
  void poison_taskCrashingEveryAttempt_failsAfterItsAttemptsWhileOtherTasksFlow() {
    try (ProcessPool p = pool(2)) {
      ProcessTaskHandle<Object> poison = p.submit(() -> {
        Runtime.getRuntime().halt(13);
        return null;
      }, TaskOptions.named("poison").withRetries(2));
      List<ProcessTaskHandle<Integer>> others = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int n = i;
        others.add(p.submit(() -> {
          Thread.sleep(50);
          return n;
        }));
      }

      Throwable e = failure(poison);
      assertThat(e).isInstanceOf(PoisonTaskException.class).hasMessageContaining("all 3 attempts");
      List<WorkerCrashedException> crashes = ((PoisonTaskException) e).crashes();
      assertThat(crashes).hasSize(3);
      assertThat(crashes).extracting(WorkerCrashedException::attempt).containsExactly(1, 2, 3);
      assertThat(crashes).allSatisfy(c -> {
        assertThat(c.exitCode()).isEqualTo(13);
        assertThat(c.taskId()).isEqualTo(poison.id());
      });
      assertThat(crashes).extracting(WorkerCrashedException::pid).doesNotHaveDuplicates();
      assertThat(poison.attempts()).isEqualTo(3);
      for (int i = 0; i < others.size(); i++) {
        assertThat(others.get(i).join()).isEqualTo(i);
      }
      assertThat(p.processStats().crashed()).isEqualTo(3);
      assertThat(p.processStats().retries()).isEqualTo(2);
      assertThat(p.processStats().broken()).isFalse();
    }
  }

  // ---------------------------------------------------------------- the crash matrix (T2)

  /** The stages of a task's journey that run in the worker. */
  enum WorkerStage {
    DECODE_TASK,
    RUN,
    ENCODE_RESULT
  }

  private static SerializableCallable<Object> cell(WorkerStage stage, Failure failure) {
    return switch (stage) {
      case DECODE_TASK -> {
        Bomb bomb = new Bomb(failure, Where.WORKER_READ);
        yield () -> bomb.failure;
      }
      case RUN -> () -> {
        Bomb.explode(failure);
        return null;
      };
      case ENCODE_RESULT -> () -> new Bomb(failure, Where.WORKER_WRITE);
    };
  }

  @ParameterizedTest
  @EnumSource(WorkerStage.class)
  void crashMatrix_workerSideStage_eachFailureEndsInItsTypedError(WorkerStage stage) {
    String errorFile = tmp.resolve("hs_err_%p.log").toString();
    try (ProcessPool p = pool(1, b -> b.jvmOptions("--enable-native-access=ALL-UNNAMED",
        "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + errorFile))) {
      long pid = p.workerPids().getFirst();

      Throwable thrown = failure(p.submit(cell(stage, Failure.THROW)));
      assertThat(thrown).as("%s x exception", stage)
          .isInstanceOf(IllegalStateException.class).hasMessage("bomb went off");
      assertThat(p.workerPids()).as("an exception does not cost the worker").containsExactly(pid);

      Throwable exit = failure(p.submit(cell(stage, Failure.EXIT)));
      assertThat(exit).as("%s x System.exit(1)", stage)
          .isInstanceOf(WorkerCrashedException.class).hasMessageContaining("exit code 1");
      assertThat(((WorkerCrashedException) exit).exitCode()).isEqualTo(1);

      Throwable halt = failure(p.submit(cell(stage, Failure.HALT)));
      assertThat(halt).as("%s x Runtime.halt(0)", stage)
          .isInstanceOf(WorkerCrashedException.class).hasMessageContaining("exit code 0");
      assertThat(((WorkerCrashedException) halt).exitCode()).isZero();

      Throwable fault = failure(p.submit(cell(stage, Failure.NATIVE)));
      assertThat(fault).as("%s x native crash", stage).isInstanceOf(WorkerCrashedException.class);
      WorkerCrashedException crash = (WorkerCrashedException) fault;
      // a JVM fatal error aborts (134, SIGABRT) or, without a core dump, exits with 1
      assertThat(crash.exitCode() == 1 || crash.exitCode() == 134 || crash.signal() == 11)
          .as("exit status of a native crash: %s", crash.getMessage()).isTrue();
      assertThat(crash.lastStderr()).as("the JVM's crash report")
          .anySatisfy(line -> assertThat(line).contains("SIGSEGV"));
      assertThat(crash.outOfMemory()).isFalse();

      assertThat(p.invoke(() -> "recovered")).isEqualTo("recovered");
      assertThat(p.processStats().crashed()).isEqualTo(3);
    }
  }

  /**
   * The stages that run in the caller. A task's writeObject runs on the submitting thread and a
   * result's readObject on a driver thread of the caller's JVM: {@code System.exit}, a halt or a
   * native crash there would end the caller (and this test run), and no pool can contain that,
   * just as it cannot contain a {@code System.exit} the caller makes itself. So only the exception
   * cells are run as such; for decoding the result, what the pool must promise is that a class it
   * was not told to expect is refused before any of its code runs. {@link Gadget}'s readObject
   * would count itself in the caller (and halt a worker), so a refusal with the count unchanged
   * proves it never ran.
   */
  @Test
  void crashMatrix_callerSideStages_failTypedAndRunNoUnexpectedCodeInTheCaller() {
    try (ProcessPool p = pool(1)) {
      long pid = p.workerPids().getFirst();

      Bomb unencodable = new Bomb(Failure.THROW, Where.CALLER_WRITE);
      assertThatThrownBy(() -> p.submit(() -> unencodable.failure))
          .isInstanceOf(TaskNotSerializableException.class)
          .rootCause().isInstanceOf(IllegalStateException.class).hasMessage("bomb went off");
      assertThat(p.stats().submitted()).as("nothing was submitted").isZero();

      Throwable undecodable = failure(p.submit(() -> new Bomb(Failure.THROW, Where.CALLER_READ)));
      assertThat(undecodable).isInstanceOf(IllegalStateException.class).hasMessage("bomb went off");

      int readsBefore = Gadget.READ_IN_CALLER.get();
      Throwable refused = failure(p.submit(() -> new Gadget("a result the caller never expected")));
      assertThat(refused).isInstanceOf(InvalidClassException.class)
          .hasMessageContaining(Gadget.class.getName())
          .hasMessageContaining("refused by the allow-list")
          .hasMessageContaining("could not be decoded in the caller");
      assertThat(Gadget.READ_IN_CALLER.get()).as("Gadget.readObject ran in the caller")
          .isEqualTo(readsBefore);

      // a result that cannot be encoded in the worker comes back named, with its path
      Throwable unencodableResult = failure(p.submit(() -> List.of("fine", Thread.currentThread())));
      assertThat(unencodableResult).isInstanceOf(TaskNotSerializableException.class)
          .hasMessageContaining("java.lang.Thread").hasMessageContaining("the result");

      assertThat(p.workerPids()).containsExactly(pid);
      assertThat(p.processStats().crashed()).isZero();
      assertThat(p.invoke(() -> 1)).isEqualTo(1);
    }
  }

  // ---------------------------------------------------------------- death after the reply (T3)

  @Test
  void exitAfterResult_resultArrivesAndTheDeathIsNoticedBeforeTheNextTask() {
    String dir = tmp.toString();
    try (ProcessPool p = pool(1)) {
      long pid = p.workerPids().getFirst();
      ProcessTaskHandle<Integer> t = p.submit(() -> {
        Thread.ofPlatform().daemon(true).start(() -> { // exits once the caller has the result
          try {
            awaitFileInWorker(dir, "result-received");
          } catch (InterruptedException e) {
            return;
          }
          Runtime.getRuntime().halt(0);
        });
        return 42;
      });

      assertThat(t.join()).isEqualTo(42);
      assertThat(t.status()).isEqualTo(TaskState.SUCCEEDED);
      touch(dir, "result-received");
      Harness.eventually().until(() -> p.processStats().crashed() == 1);
      Harness.eventually().until(() -> !alive(pid));

      ProcessTaskHandle<Long> next = p.submit(() -> ProcessHandle.current().pid());
      assertThat(next.join()).isNotEqualTo(pid);
      assertThat(next.attempts()).isEqualTo(1);
      assertThat(p.processStats().staleResults()).isZero();
    }
  }

  // ---------------------------------------------------------------- crash races (T4)

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 5, 13})
  void crashRace_tasksKillEachOthersWorkers_everyTaskEndsTypedAndThePoolWorksOrIsBroken(int n) {
    try (ProcessPool p = pool(n)) {
      List<Long> pids = List.copyOf(p.workerPids());
      long at = System.currentTimeMillis() + Delays.SMALL.toMillis() * 2;
      List<ProcessTaskHandle<Long>> tasks = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long victim = pids.get(n - 1 - i);
        tasks.add(p.submit(() -> {
          sleepUntil(at);
          ProcessTests.sigkill(victim); // possibly its own worker
          Thread.sleep(200);
          return victim;
        }));
      }

      int crashed = 0;
      for (ProcessTaskHandle<Long> t : tasks) {
        if (catchJoin(t) instanceof Throwable e) {
          assertThat(e).as("%s", t).isInstanceOf(TaskFailedException.class);
          assertThat(e.getCause()).isInstanceOfAny(WorkerCrashedException.class,
              PoolBrokenException.class);
          crashed++;
        }
      }
      assertThat(crashed).as("tasks whose worker was killed under them").isPositive();
      // a task killed before its own kill went out spares its victim: count the dead
      int failed = crashed;
      Harness.eventually().untilAsserted(() -> assertThat(p.processStats().crashed())
          .isEqualTo(pids.stream().filter(pid -> !alive(pid)).count())
          .isGreaterThanOrEqualTo(failed));

      if (p.brokenCause().isPresent()) {
        assertThat(n).as("only more than 10 crashes break the pool").isGreaterThan(10);
        assertThatThrownBy(() -> p.submit(() -> 1)).isInstanceOf(PoolBrokenException.class);
      } else {
        assertThat(p.invoke(() -> "works")).isEqualTo("works");
      }
    }
  }

  private static Throwable catchJoin(TaskHandle<?> t) {
    try {
      t.join();
      return null;
    } catch (Throwable e) {
      return e;
    }
  }

  // ---------------------------------------------------------------- out of memory (T20)

  @Test
  void outOfMemory_inATask_crashesTheWorkerSayingSoAndThePoolRecovers() {
    try (ProcessPool p = pool(1, b -> b.maxHeap("64m"))) {
      ProcessTaskHandle<Integer> t = p.submit(() -> {
        List<byte[]> hog = new ArrayList<>();
        while (true) {
          hog.add(new byte[1 << 20]);
        }
      });

      Throwable e = failure(t);
      assertThat(e).isInstanceOf(WorkerCrashedException.class).hasMessageContaining("out of memory");
      assertThat(((WorkerCrashedException) e).outOfMemory()).isTrue();
      assertThat(p.invoke(() -> 7)).isEqualTo(7);
      assertThat(p.processStats().crashed()).isEqualTo(1);
    }
  }

  @Test
  void outOfMemory_exitCode3WithoutAnyOutOfMemoryError_isNotReportedAsOne() {
    try (ProcessPool p = pool(1)) {
      Throwable e = failure(p.submit(() -> {
        System.exit(3);
        return null;
      }));
      assertThat(e).isInstanceOf(WorkerCrashedException.class).hasMessageContaining("exit code 3")
          .hasMessageNotContaining("out of memory");
      assertThat(((WorkerCrashedException) e).outOfMemory()).isFalse();
    }
  }

  // ---------------------------------------------------------------- frames over the cap

  @Test
  void frameCap_taskOrResultOverTheCap_failsThatTaskClearlyAndKeepsTheWorker() {
    try (ProcessPool p = pool(1, b -> b.maxFrameBytes(64 << 10))) {
      long pid = p.workerPids().getFirst();
      byte[] big = new byte[100_000];

      Throwable send = failure(p.submit(() -> big.length));
      assertThat(send).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("too large to send");

      Throwable reply = failure(p.submit(() -> new byte[100_000]));
      assertThat(reply).isNotInstanceOf(WorkerCrashedException.class)
          .hasMessageContaining("frame cap").hasMessageContaining("maxFrameBytes");

      assertThat(p.invoke(() -> "small")).isEqualTo("small");
      assertThat(p.workerPids()).as("no worker was lost").containsExactly(pid);
      assertThat(p.processStats().crashed()).isZero();
    }
  }

  // ---------------------------------------------------------------- large frame, dying worker (T13)

  @Test
  void largePayload_workerDiesWhileTheFrameIsInFlight_failsTypedWithoutDeadlock() {
    // the worker runs out of heap allocating the frame: it dies mid-transfer, with most of the
    // 48 MB (far more than any socket buffer) still unsent by the caller
    try (ProcessPool p = pool(1, b -> b.maxHeap("24m"))) {
      byte[] big = new byte[48 << 20];
      ProcessTaskHandle<Integer> t = p.submit(() -> big.length);

      Throwable e = failure(t);
      assertThat(e).isInstanceOf(WorkerCrashedException.class);
      assertThat(((WorkerCrashedException) e).outOfMemory()).isTrue();
      assertThat(p.invoke(() -> "small")).isEqualTo("small");
      assertThat(p.processStats().crashed()).isEqualTo(1);
    }
  }

  // ---------------------------------------------------------------- restart limit (T5)

  @Test
  void restartLimit_everyTaskHalts_poolBreaksQueuedTasksFailAndSubmitThrows() {
    try (ProcessPool p = pool(1, b -> b.restartLimit(2, Duration.ofMinutes(5)))) {
      List<ProcessTaskHandle<Object>> tasks = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        tasks.add(p.submit(() -> {
          Runtime.getRuntime().halt(1);
          return null;
        }));
      }

      for (int i = 0; i < 3; i++) {
        assertThat(failure(tasks.get(i))).as("task %d", i).isInstanceOf(WorkerCrashedException.class);
      }
      for (int i = 3; i < 5; i++) {
        assertThat(failure(tasks.get(i))).as("queued task %d", i)
            .isInstanceOf(PoolBrokenException.class)
            .hasMessageContaining("BROKEN").hasMessageContaining("restart limit of 2");
      }
      assertThat(p.brokenCause()).isPresent();
      ProcessPoolStats stats = p.processStats();
      assertThat(stats.broken()).isTrue();
      assertThat(stats.crashed()).isEqualTo(3);
      assertThat(stats.spawned()).as("the first worker and one per allowed restart").isEqualTo(3);
      assertThatThrownBy(() -> p.submit(() -> 1)).isInstanceOf(PoolBrokenException.class);
      assertThat(p.processStats().live()).isZero();
    }
  }

  // ---------------------------------------------------------------- spawn failure (T6)

  enum BadLaunch {
    MISSING_JAVA,
    BOGUS_JVM_FLAG
  }

  @ParameterizedTest
  @EnumSource(BadLaunch.class)
  void spawnFailure_workersCannotStart_poolBreaksAndTasksFailPromptly(BadLaunch how) {
    ProcessPoolBuilder b = Gearbox.processBuilder().workers(1).replayOutput(false);
    switch (how) {
      case MISSING_JAVA -> b.javaCommand(tmp.resolve("no-such-jdk/bin/java"));
      case BOGUS_JVM_FLAG -> b.jvmOptions("-XX:+GearboxNoSuchFlag");
    }
    try (ProcessPool p = b.build()) {
      h.track(p);
      // submitted at once: it fails at submit or, queued while the first spawn fails, when it does
      Throwable first = thrownBy(() -> p.submit(() -> 1).join());
      assertThat(first instanceof TaskFailedException f ? f.getCause() : first)
          .isInstanceOf(PoolBrokenException.class);
      Harness.eventually().until(() -> p.brokenCause().isPresent());

      assertThat(p.brokenCause().orElseThrow()).isInstanceOf(WorkerStartException.class)
          .hasMessageContaining("could not be started")
          .hasMessageContaining(how == BadLaunch.MISSING_JAVA ? "no-such-jdk"
              : "its JVM options: -XX:+GearboxNoSuchFlag");
      assertThatThrownBy(() -> p.submit(() -> 2)).isInstanceOf(PoolBrokenException.class)
          .hasMessageContaining("could not be started");
      ProcessPoolStats stats = p.processStats();
      assertThat(stats.spawnFailures()).isPositive();
      assertThat(stats.spawned()).isZero();
      assertThat(stats.live()).isZero();
    }
  }

  private static Throwable thrownBy(Runnable r) {
    try {
      r.run();
      return null;
    } catch (Throwable e) {
      return e;
    }
  }
}
