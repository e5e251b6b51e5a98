package io.gearbox;

import static io.gearbox.ProcessTests.alive;
import static io.gearbox.ProcessTests.awaitFile;
import static io.gearbox.ProcessTests.awaitFileInWorker;
import static io.gearbox.ProcessTests.touch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Worker recycling, shutdown, saturation and hard deadlines, with real processes (A10 T7, T9, T10,
 * T12, T17; promises P1, P8, P10, P11, P13).
 */
class ProcessLifecycleTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path tmp;

  private ProcessPool pool(int workers, UnaryOperator<ProcessPoolBuilder> config) {
    return ProcessTests.pool(h, workers, config);
  }

  /** Samples the number of child processes of this JVM until stopped; keeps the maximum. */
  private final class ProcessCounter implements AutoCloseable {
    final AtomicInteger max = new AtomicInteger();
    final AtomicInteger maxLive = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread sampler;

    ProcessCounter(ProcessPool p) {
      sampler = h.startThread("process-counter", () -> {
        while (!stop.get()) {
          max.accumulateAndGet((int) ProcessHandle.current().children().count(), Math::max);
          maxLive.accumulateAndGet(p.processStats().live(), Math::max);
          Thread.sleep(2);
        }
      });
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      Harness.join(sampler);
    }
  }

  // ---------------------------------------------------------------- recycling (T7)

  @ParameterizedTest(name = "{0} workers, {1} tasks each, {2} tasks")
  @CsvSource({"1, 2, 6", "2, 2, 8", "3, 1, 6"})
  void recycling_withABacklog_allResultsArriveAndWorkersNeverExceedTheLimit(int workers,
      int maxTasks, int tasks) throws Exception {
    try (ProcessPool p = pool(workers, b -> b.maxTasksPerWorker(maxTasks))) {
      List<Long> pids = new ArrayList<>();
      try (ProcessCounter count = new ProcessCounter(p)) {
        List<ProcessTaskHandle<Long>> handles = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
          handles.add(p.submit(() -> ProcessHandle.current().pid()));
        }
        for (ProcessTaskHandle<Long> t : handles) {
          pids.add(t.join());
          assertThat(t.workerPid()).hasValue(pids.getLast());
        }
        assertThat(count.max.get()).as("worker processes at once").isLessThanOrEqualTo(workers);
        assertThat(count.maxLive.get()).as("live workers at once").isLessThanOrEqualTo(workers);
      }

      Map<Long, Long> perWorker = pids.stream()
          .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(perWorker.values()).as("tasks per worker").allSatisfy(
          n -> assertThat(n).isLessThanOrEqualTo(maxTasks));
      assertThat(perWorker).hasSizeGreaterThanOrEqualTo((tasks + maxTasks - 1) / maxTasks);
      ProcessPoolStats stats = p.processStats();
      assertThat(stats.recycled()).as("workers retired after their quota")
          .isEqualTo(perWorker.values().stream().filter(n -> n == maxTasks).count());
      assertThat(stats.crashed()).isZero();
      assertThat(stats.broken()).isFalse();
    }
  }

  @Test
  void recycling_duringShutdown_theQueuedTasksStillRunOnFreshWorkers() throws Exception {
    String dir = tmp.toString();
    ProcessPool p = pool(1, b -> b.maxTasksPerWorker(1));
    List<ProcessTaskHandle<Integer>> tasks = new ArrayList<>();
    tasks.add(p.submit(() -> {
      touch(dir, "first");
      awaitFileInWorker(dir, "release");
      return 0;
    }));
    for (int i = 1; i < 4; i++) {
      int n = i;
      tasks.add(p.submit(() -> n));
    }
    awaitFile(tmp, "first");

    p.shutdown();
    touch(dir, "release");

    assertThat(p.awaitTermination(ProcessTests.STARTUP)).isTrue();
    for (int i = 0; i < tasks.size(); i++) {
      assertThat(tasks.get(i).join()).isEqualTo(i);
    }
    assertThat(tasks.stream().map(t -> t.workerPid().orElseThrow()).distinct()).hasSize(4);
    assertThat(p.processStats().recycled()).isEqualTo(4);
    assertThat(p.processStats().crashed()).isZero();
    assertThat(ProcessHandle.current().children().toList()).isEmpty();
    p.close();
  }

  @Test
  void recycling_workerAboveItsRssLimit_isRetiredBetweenTasksNotCrashed() {
    try (ProcessPool p = pool(1, b -> b.maxHeap("256m").maxWorkerRss(200L << 20))) {
      List<Long> pids = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        pids.add(p.invoke(() -> {
          ProcessTests.leak(40 << 20);
          return ProcessHandle.current().pid();
        }));
      }
      assertThat(pids.stream().distinct()).as("workers used").hasSizeGreaterThanOrEqualTo(2);
      assertThat(p.processStats().recycled()).isPositive();
      assertThat(p.processStats().crashed()).isZero();
    }
  }

  // ---------------------------------------------------------------- force-stop (T9, T10)

  @Test
  void close_whileTasksRun_stopsThemCancelsTheQueueAndLeavesNoProcess() throws Exception {
    String dir = tmp.toString();
    ProcessPool p = pool(2, b -> b);
    ProcessTaskHandle<Object> spinner = p.submit(() -> {
      touch(dir, "spinning");
      while (true) {
        Thread.interrupted(); // ignores every interrupt
      }
    });
    ProcessTaskHandle<Integer> sleeper = p.submit(() -> {
      touch(dir, "sleeping");
      Thread.sleep(60_000);
      touch(dir, "finished");
      return 1;
    });
    List<ProcessTaskHandle<Integer>> queued = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      queued.add(p.submit(() -> {
        touch(dir, "queued-ran");
        return 2;
      }));
    }
    awaitFile(tmp, "spinning");
    awaitFile(tmp, "sleeping");
    List<Long> pids = p.workerPids();

    assertThat(p.close(Duration.ofMillis(100))).isTrue();

    assertThat(p.isTerminated()).isTrue();
    assertThat(spinner.isDone()).isTrue();
    assertThat(spinner.status()).isNotEqualTo(TaskState.SUCCEEDED);
    assertThat(spinner.cancelRung()).isEqualTo(CancelRung.KILLED);
    assertThat(sleeper.status()).isNotEqualTo(TaskState.SUCCEEDED);
    assertThat(sleeper.cancelRung()).isEqualTo(CancelRung.INTERRUPTED);
    assertThat(queued).allSatisfy(t -> {
      assertThat(t.isDone()).isTrue();
      assertThat(t.status()).isEqualTo(TaskState.CANCELLED);
      assertThat(t.attempts()).isZero();
      assertThat(t.cancelRung()).isEqualTo(CancelRung.NOT_STARTED);
    });
    assertThat(tmp.resolve("finished")).doesNotExist();
    assertThat(tmp.resolve("queued-ran")).doesNotExist();
    assertThat(pids).noneMatch(ProcessTests::alive);
    assertThat(ProcessHandle.current().children().toList()).isEmpty();
    assertThatThrownBy(() -> p.submit(() -> 3)).isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void close_beforeAnyWorkerHasStarted_endsCleanly() throws Exception {
    ProcessPool p = Gearbox.processBuilder().workers(2).replayOutput(false).build();
    h.track(p);
    p.close();
    assertThat(p.isTerminated()).isTrue();
    assertThat(ProcessHandle.current().children().toList()).isEmpty();
    assertThatThrownBy(() -> p.submit(() -> 1)).isInstanceOf(RejectedExecutionException.class);

    ProcessPool r = Gearbox.processBuilder().workers(2).replayOutput(false).build();
    h.track(r);
    assertThat(r.shutdownNow()).isEmpty();
    assertThat(r.awaitTermination(Delays.LONG)).isTrue();
    assertThat(ProcessHandle.current().children().toList()).isEmpty();
  }

  @Test
  void shutdownNow_returnsTheNeverStartedHandlesInterruptsTheRunningAndLeavesNoProcess()
      throws Exception {
    String dir = tmp.toString();
    ProcessPool p = pool(2, b -> b.cancelGrace(Duration.ofSeconds(5)));
    List<ProcessTaskHandle<Integer>> running = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String marker = "running-" + i;
      running.add(p.submit(() -> {
        touch(dir, marker);
        Thread.sleep(60_000);
        return 0;
      }));
    }
    List<ProcessTaskHandle<Integer>> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int n = i;
      queued.add(p.submit(() -> {
        touch(dir, "queued-ran");
        return n;
      }));
    }
    awaitFile(tmp, "running-0");
    awaitFile(tmp, "running-1");
    List<Long> pids = p.workerPids();

    List<TaskHandle<?>> never = p.shutdownNow();

    assertThat(never).extracting(TaskHandle::id)
        .containsExactlyInAnyOrderElementsOf(queued.stream().map(TaskHandle::id).toList());
    assertThat(never).allSatisfy(t -> {
      assertThat(t).isInstanceOf(ProcessTaskHandle.class);
      assertThat(((ProcessTaskHandle<?>) t).attempts()).isZero();
      assertThat(((ProcessTaskHandle<?>) t).cancelRung()).isEqualTo(CancelRung.NOT_STARTED);
      assertThat(t.isCancelled()).isTrue();
    });
    assertThat(p.awaitTermination(Delays.LONG)).isTrue();
    // interruptible tasks stop at the interrupt: shutdownNow's second interrupt of each driver
    // must neither cut their grace short nor break the worker's socket
    assertThat(running).allSatisfy(t -> {
      assertThat(t.isDone()).isTrue();
      assertThat(t.status()).isNotEqualTo(TaskState.SUCCEEDED);
      assertThat(t.cancelRung()).isEqualTo(CancelRung.INTERRUPTED);
    });
    assertThat(p.processStats().killed()).isZero();
    assertThat(pids).noneMatch(ProcessTests::alive);
    assertThat(ProcessHandle.current().children().toList()).isEmpty();
    assertThat(tmp.resolve("queued-ran")).doesNotExist();
    p.close(); // idempotent
  }

  // ---------------------------------------------------------------- saturation (T12)

  @ParameterizedTest
  @EnumSource(value = Saturation.class, names = {"REJECT", "BLOCK"})
  void saturation_fifteenTimesTheWorkers_inFlightBoundHoldsAndProcessesNeverExceedWorkers(
      Saturation policy) throws Exception {
    String dir = tmp.toString();
    int workers = 2;
    int bound = 4;
    int total = 15 * workers;
    try (ProcessPool p = pool(workers, b -> b.maxInFlight(bound).saturation(policy))) {
      List<ProcessTaskHandle<Integer>> accepted = Collections.synchronizedList(new ArrayList<>());
      try (ProcessCounter count = new ProcessCounter(p)) {
        if (policy == Saturation.REJECT) {
          int rejected = 0;
          for (int i = 0; i < total; i++) {
            int n = i;
            try {
              accepted.add(p.submit(() -> {
                awaitFileInWorker(dir, "release");
                return n;
              }));
            } catch (PoolSaturatedException e) {
              rejected++;
            }
          }
          assertThat(accepted).hasSize(bound);
          assertThat(rejected).isEqualTo(total - bound);
          touch(dir, "release");
        } else {
          Thread submitter = h.startThread("submitter", () -> {
            for (int i = 0; i < total; i++) {
              int n = i;
              accepted.add(p.submit(() -> {
                awaitFileInWorker(dir, "release");
                return n;
              }));
            }
          });
          Harness.eventually().until(() -> accepted.size() == bound);
          Thread.sleep(Delays.SMALL.toMillis());
          assertThat(accepted).as("submits past the bound wait").hasSize(bound);
          assertThat(submitter.isAlive()).isTrue();
          touch(dir, "release");
          Harness.join(submitter);
          assertThat(accepted).hasSize(total);
        }
        for (ProcessTaskHandle<Integer> t : List.copyOf(accepted)) {
          assertThat(t.join()).isBetween(0, total - 1);
        }
        assertThat(count.max.get()).as("worker processes at once").isLessThanOrEqualTo(workers);
      }
      assertThat(p.processStats().spawned()).isEqualTo(workers);
    }
  }

  // ---------------------------------------------------------------- hard deadline (T17)

  @Test
  void timeout_taskSpinningAndIgnoringInterrupts_isKilledAtItsDeadlineAndReplaced() {
    try (ProcessPool p = pool(1, b -> b.cancelGrace(Duration.ofMillis(200)))) {
      long pid = p.workerPids().getFirst();
      Duration deadline = Duration.ofMillis(500);
      long t0 = System.nanoTime();
      ProcessTaskHandle<Object> t = p.submit(() -> {
        while (true) {
          Thread.interrupted(); // swallows the interrupt
        }
      }, TaskOptions.timeout(deadline));

      assertThatThrownBy(t::join).isInstanceOf(TaskTimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("not before its deadline")
          .isGreaterThanOrEqualTo(deadline);
      assertThat(t.status()).isEqualTo(TaskState.TIMED_OUT);
      Harness.eventually().until(() -> t.cancelRung() == CancelRung.KILLED);
      Harness.eventually().until(() -> !alive(pid));

      long next = p.invoke(() -> ProcessHandle.current().pid());
      assertThat(next).isNotEqualTo(pid);
      assertThat(p.processStats().killed()).isEqualTo(1);
      assertThat(p.processStats().crashed()).isZero();
    }
  }

  @Test
  void timeout_whileQueuedBehindABusyWorker_endsNotStartedAndNeverRuns() throws Exception {
    String dir = tmp.toString();
    try (ProcessPool p = pool(1, b -> b)) {
      ProcessTaskHandle<Integer> busy = p.submit(() -> {
        touch(dir, "busy");
        awaitFileInWorker(dir, "release");
        return 1;
      });
      awaitFile(tmp, "busy");
      ProcessTaskHandle<Integer> queued = p.submit(() -> {
        touch(dir, "queued-ran");
        return 2;
      }, TaskOptions.timeout(Duration.ofMillis(200)));

      assertThatThrownBy(queued::join).isInstanceOf(TaskTimeoutException.class);
      assertThat(queued.cancelRung()).isEqualTo(CancelRung.NOT_STARTED);
      assertThat(queued.attempts()).isZero();
      touch(dir, "release");
      assertThat(busy.join()).isEqualTo(1);
      assertThat(p.invoke(() -> 3)).isEqualTo(3);
      assertThat(tmp.resolve("queued-ran")).doesNotExist();
      assertThat(p.processStats().killed()).isZero();
    }
  }

  @Test
  void shutdown_withQueuedTasks_finishesThemThenStopsEveryWorker() throws Exception {
    ProcessPool p = pool(1, b -> b);
    List<ProcessTaskHandle<Integer>> tasks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int n = i;
      tasks.add(p.submit(() -> {
        Thread.sleep(20);
        return n;
      }));
    }
    long pid = p.workerPids().getFirst();

    p.shutdown();

    assertThatThrownBy(() -> p.submit(() -> 9)).isInstanceOf(RejectedExecutionException.class);
    assertThat(p.awaitTermination(Delays.LONG)).isTrue();
    for (int i = 0; i < tasks.size(); i++) {
      assertThat(tasks.get(i).join()).isEqualTo(i);
    }
    assertThat(alive(pid)).isFalse();
    p.close();
  }
}
