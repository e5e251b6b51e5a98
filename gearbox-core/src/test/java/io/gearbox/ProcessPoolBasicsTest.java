package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The process pool's everyday behaviour: results, errors, output, map, deadlines, bad tasks. */
class ProcessPoolBasicsTest {

  @RegisterExtension final Harness h = new Harness();

  private ProcessPool pool(int workers) {
    return pool(workers, Duration.ofMillis(300));
  }

  private ProcessPool pool(int workers, Duration cancelGrace) {
    ProcessPool p = Gearbox.processBuilder().workers(workers).replayOutput(false)
        .cancelGrace(cancelGrace).build();
    h.track(p);
    org.awaitility.Awaitility.await().atMost(Delays.LONG)
        .until(() -> p.processStats().live() == workers);
    return p;
  }

  @Test
  void submit_returnsTheWorkersResultFromAnotherProcess() {
    try (ProcessPool p = pool(1)) {
      ProcessTaskHandle<Long> t = p.submit(() -> ProcessHandle.current().pid());
      long workerPid = t.join();
      assertThat(workerPid).isNotEqualTo(ProcessHandle.current().pid());
      assertThat(t.workerPid()).hasValue(workerPid);
      assertThat(t.attempts()).isEqualTo(1);
      assertThat(t.status()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(t.timings().cpuNanos()).isGreaterThanOrEqualTo(0);
    }
  }

  @Test
  void submit_taskThrows_comesBackAsItsOwnTypeWithWorkerFramesAndPid() {
    try (ProcessPool p = pool(1)) {
      ProcessTaskHandle<Object> t = p.submit(() -> {
        throw new IllegalStateException("boom in worker");
      });
      assertThatThrownBy(t::join).isInstanceOf(TaskFailedException.class)
          .cause().isInstanceOf(IllegalStateException.class).hasMessage("boom in worker")
          .satisfies(e -> {
            assertThat(e.getStackTrace()).isNotEmpty();
            assertThat(e.getSuppressed()).anySatisfy(s -> assertThat(s).isInstanceOf(WorkerSite.class)
                .satisfies(w -> assertThat(((WorkerSite) w).pid()).isEqualTo(t.workerPid().orElseThrow())));
          });
    }
  }

  @Test
  void output_isCapturedPerTask() {
    try (ProcessPool p = pool(1)) {
      ProcessTaskHandle<Integer> t = p.submit(() -> {
        System.out.println("hello from the worker");
        System.err.println("a warning");
        return 1;
      });
      t.join();
      assertThat(t.output().stdout()).isEqualTo("hello from the worker\n");
      assertThat(t.output().stderr()).isEqualTo("a warning\n");
    }
  }

  @Test
  void map_manyTinyItems_allComeBackInOrder() {
    try (ProcessPool p = pool(2)) {
      List<Integer> in = IntStream.range(0, 20_000).boxed().toList();
      List<Integer> out = p.map((Integer x) -> x * 2, in).toList();
      assertThat(out).hasSize(20_000);
      assertThat(out.get(12_345)).isEqualTo(24_690);
      assertThat(p.stats().submitted()).isLessThan(2_000); // batched, not one call per item
    }
  }

  @Test
  void crash_haltInTask_failsWithWorkerCrashedAndThePoolRecovers() {
    try (ProcessPool p = pool(1)) {
      ProcessTaskHandle<Object> t = p.submit(() -> {
        Runtime.getRuntime().halt(7);
        return null;
      });
      assertThatThrownBy(t::join).cause().isInstanceOf(WorkerCrashedException.class)
          .hasMessageContaining("exit code 7")
          .satisfies(e -> assertThat(((WorkerCrashedException) e).attempt()).isEqualTo(1));
      assertThat(p.invoke(() -> 42)).isEqualTo(42);
      assertThat(p.processStats().crashed()).isEqualTo(1);
    }
  }

  @Test
  void timeout_taskIgnoringInterrupts_isKilledAndReplaced() {
    try (ProcessPool p = pool(1)) {
      ProcessTaskHandle<Object> t = p.submit(() -> {
        while (true) {
          Thread.onSpinWait();
        }
      }, TaskOptions.timeout(Duration.ofMillis(300)));
      assertThatThrownBy(t::join).isInstanceOf(TaskTimeoutException.class);
      org.awaitility.Awaitility.await().atMost(Delays.LONG)
          .until(() -> t.cancelRung() == CancelRung.KILLED);
      assertThat(p.invoke(() -> 5)).isEqualTo(5);
      assertThat(p.processStats().killed()).isEqualTo(1);
      assertThat(p.processStats().crashed()).isZero();
    }
  }

  @Test
  void cancel_interruptibleTask_stopsWithoutKillingTheWorker() throws Exception {
    // a generous grace: a loaded machine may take longer than 300 ms to deliver the interrupt and
    // its reply; a task that ignored the interrupt would still be killed, and the test fail
    try (ProcessPool p = pool(1, Delays.LONG)) {
      ProcessTaskHandle<Object> t = p.submit(() -> {
        Thread.sleep(60_000);
        return null;
      });
      org.awaitility.Awaitility.await().atMost(Delays.LONG).until(() -> t.attempts() == 1);
      Thread.sleep(Delays.SMALL.toMillis()); // let it reach the worker's task thread
      t.cancel();
      org.awaitility.Awaitility.await().atMost(Delays.LONG)
          .until(() -> t.cancelRung() == CancelRung.INTERRUPTED || t.cancelRung() == CancelRung.KILLED);
      assertThat(t.cancelRung()).isEqualTo(CancelRung.INTERRUPTED);
      assertThat(p.processStats().killed()).isZero();
    }
  }

  static final class Holder implements Serializable {
    final Object socket;

    Holder(Object socket) {
      this.socket = socket;
    }
  }

  @Test
  void submit_nonSerializableCapture_failsAtSubmitNamingClassAndPath() {
    try (ProcessPool p = pool(1)) {
      Holder holder = new Holder(new Thread("not serializable"));
      assertThatThrownBy(() -> p.submit(() -> holder.socket.hashCode()))
          .isInstanceOf(TaskNotSerializableException.class)
          .hasMessageContaining("java.lang.Thread")
          .hasMessageContaining(".socket");
    }
  }

  @Test
  void map_itemsTooBigForOneFrame_areSplitIntoBatchesThatFit() {
    ProcessPool p = Gearbox.processBuilder().workers(1).replayOutput(false)
        .maxFrameBytes(64 << 10).build();
    h.track(p);
    try (p) {
      List<String> in = IntStream.range(0, 5_000).mapToObj(i -> "x".repeat(200) + i).toList();
      List<Integer> out = p.map(String::length, in).toList();
      assertThat(out).hasSize(5_000);
      assertThat(out.getLast()).isEqualTo(204);
    }
  }

  @Test
  void recycle_workerWhoseShutdownHookBlocks_isKilledAndTheNextTaskRuns() {
    ProcessPool p = Gearbox.processBuilder().workers(1).replayOutput(false)
        .maxTasksPerWorker(1).build();
    h.track(p);
    try (p) {
      long first = p.invoke(() -> {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            Thread.sleep(600_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }));
        return ProcessHandle.current().pid();
      });
      long second = p.invoke(() -> ProcessHandle.current().pid());
      assertThat(second).isNotEqualTo(first);
      assertThat(p.processStats().recycled()).isGreaterThanOrEqualTo(1);
      assertThat(p.processStats().crashed()).isZero();
    }
  }
}
