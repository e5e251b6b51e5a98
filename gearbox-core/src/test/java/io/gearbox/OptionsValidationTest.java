package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The value types and the builder reject what their javadoc says they reject, and keep what they
 * are given.
 */
class OptionsValidationTest {

  @RegisterExtension final Harness h = new Harness();

  @Test
  void poolBuilder_invalidSettings_areRejectedAtTheSetterWithOnePreciseMessage() {
    assertThatThrownBy(() -> Gearbox.builder(null))
        .isInstanceOf(NullPointerException.class).hasMessage("kind");
    assertThatThrownBy(() -> Gearbox.threads(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("threads must be >= 1, was 0");
    assertThatThrownBy(() -> Gearbox.cpuBuilder().threads(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("threads must be >= 1, was -1");
    for (PoolKind kind : PoolKind.values()) {
      PoolBuilder<?> b = Gearbox.builder(kind);
      assertThat(b.kind()).isEqualTo(kind);
      assertThatThrownBy(() -> b.maxInFlight(0)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("maxInFlight must be >= 1, was 0");
      assertThatThrownBy(() -> b.name(" ")).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("pool name must not be blank, was ' '");
      assertThatThrownBy(() -> b.name(null))
          .isInstanceOf(NullPointerException.class).hasMessage("name");
      assertThatThrownBy(() -> b.saturation(null))
          .isInstanceOf(NullPointerException.class).hasMessage("saturation");
    }
  }

  @Test
  void autoPoolBuilder_invalidSettings_areRejectedWithOnePreciseMessage() {
    AutoPoolBuilder b = Gearbox.autoBuilder();
    assertThatThrownBy(() -> b.cpuThreads(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cpuThreads must be >= 1, was 0");
    assertThatThrownBy(() -> b.probeRuns(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("probeRuns must be >= 1, was 0");
    assertThatThrownBy(() -> b.reprobeEvery(-2)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reprobeEvery must be >= 1, was -2");
    assertThatThrownBy(() -> b.hogThreshold(Duration.ofNanos(999_999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hogThreshold must be >= 1 ms, was PT0.000999999S");
    assertThatThrownBy(() -> b.route("k", PoolKind.THREADS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a route goes to CPU, VIRTUAL or PROCESSES, not THREADS");
    assertThatThrownBy(() -> b.isolation(null))
        .isInstanceOf(NullPointerException.class).hasMessage("factory");
  }

  @Test
  void processPoolBuilder_invalidSettings_areRejectedWithOnePreciseMessage() {
    ProcessPoolBuilder b = Gearbox.processBuilder();
    assertThatThrownBy(() -> b.workers(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("workers must be >= 1, was 0");
    assertThatThrownBy(() -> b.maxHeap("lots")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxHeap must look like 256m or 2g, was 'lots'");
    assertThatThrownBy(() -> b.activeProcessorCount(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("activeProcessorCount must be >= 1, was 0");
    assertThatThrownBy(() -> b.maxTasksPerWorker(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxTasksPerWorker must be >= 0, was -1");
    assertThatThrownBy(() -> b.maxWorkerRss(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxWorkerRss must be >= 0, was -1");
    assertThatThrownBy(() -> b.restartLimit(-1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("restartLimit's maxRestarts must be >= 0, was -1");
    assertThatThrownBy(() -> b.restartLimit(1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("restartLimit's window must be positive, was PT0S");
    assertThatThrownBy(() -> b.cancelGrace(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cancelGrace must not be negative, was PT-0.001S");
    assertThatThrownBy(() -> b.spawnTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("spawnTimeout must be positive, was PT0S");
    assertThatThrownBy(() -> b.allowPackages("com..example"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a package name: 'com..example'");
    assertThatThrownBy(() -> b.maxFrameBytes(1024)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxFrameBytes must be >= 65536, was 1024");
    assertThatThrownBy(() -> b.classPath())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("classPath needs at least one entry");
  }

  @Test
  void poolBuilder_everyKind_buildsAPoolOfThatKindThatRunsATask() throws Exception {
    for (PoolKind kind : PoolKind.values()) {
      PoolBuilder<?> builder = Gearbox.builder(kind).name("every-" + kind.label()).maxInFlight(4)
          .saturation(Saturation.BLOCK).captureSubmitSite(false);
      if (builder instanceof ProcessPoolBuilder p) {
        p.workers(1).replayOutput(false);
      }
      try (Pool pool = h.track(builder.build())) {
        assertThat(pool.name()).isEqualTo("every-" + kind.label());
        assertThat(pool.kind()).isEqualTo(kind);
        assertThat(pool.stats().maxInFlight()).isEqualTo(4);
        SerializableCallable<Integer> task = OptionsValidationTest::answer; // a process pool's too
        assertThat(pool.submit(task).get(Delays.LONG.toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(42);
      }
    }
  }

  private static int answer() {
    return 42;
  }

  @Test
  void poolBuilder_settings_areKeptByThePool() {
    try (Pool pool = h.track(Gearbox.threadsBuilder().name("configured").threads(3)
        .maxInFlight(7).saturation(Saturation.REJECT).build())) {
      assertThat(pool.name()).isEqualTo("configured");
      assertThat(pool.parallelism()).isEqualTo(3);
      assertThat(pool.stats().maxInFlight()).isEqualTo(7);
      assertThat(pool.defaultMapWindow()).isBetween(1, 7);
    }
  }

  @Test
  void taskOptions_invalidValues_areRejectedAndCopiesAreIndependent() {
    assertThatThrownBy(() -> TaskOptions.timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TaskOptions.timeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TaskOptions.timeout(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> TaskOptions.named(null)).isInstanceOf(NullPointerException.class);
    TaskOptions named = TaskOptions.named("n");
    TaskOptions both = named.withTimeout(Duration.ofSeconds(1));
    assertThat(named.timeout()).isEmpty();
    assertThat(both.name()).contains("n");
    assertThat(both.timeout()).contains(Duration.ofSeconds(1));
    assertThat(TaskOptions.defaults().name()).isEmpty();
  }

  @Test
  void mapOptions_invalidValues_areRejected() {
    assertThatThrownBy(() -> MapOptions.defaults().withWindow(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MapOptions.defaults().withTaskTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    MapOptions options = MapOptions.defaults().withWindow(3).withTaskTimeout(Duration.ofSeconds(2));
    assertThat(options.window()).isEqualTo(3);
    assertThat(options.taskTimeout()).contains(Duration.ofSeconds(2));
    assertThat(MapOptions.defaults().window()).isZero();
  }

  @Test
  void outcomeFailure_nonFailureState_isRejected() {
    assertThatThrownBy(() -> new Outcome.Failure<>(new RuntimeException(), TaskState.SUCCEEDED))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Outcome.Failure<>(null, TaskState.FAILED))
        .isInstanceOf(NullPointerException.class);
    assertThat(new Outcome.Failure<>(new CancellationException(), TaskState.CANCELLED).state())
        .isEqualTo(TaskState.CANCELLED);
  }

  @Test
  void taskState_terminalStates_areTheFourEndings() {
    assertThat(List.of(TaskState.values()).stream().filter(TaskState::isTerminal))
        .containsExactly(TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED,
            TaskState.TIMED_OUT);
    assertThat(PoolKind.THREADS.label()).isEqualTo("threads");
  }

  @Test
  void taskTimings_ratio_isBoundedAndNaNWhenUnmeasured() {
    assertThat(new TaskTimings(0, 100, 25).waitingRatio()).isEqualTo(0.75);
    assertThat(new TaskTimings(0, 100, 500).waitingRatio()).isZero();
    assertThat(TaskTimings.NONE.waitingRatio()).isNaN();
    assertThat(TaskTimings.NONE.cpuMeasured()).isFalse();
  }
}
