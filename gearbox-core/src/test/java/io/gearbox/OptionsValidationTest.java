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
  void poolBuilder_invalidSettings_areRejected() {
    assertThatThrownBy(() -> Gearbox.builder(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Gearbox.threads(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Gearbox.builder(PoolKind.CPU).threads(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Gearbox.builder(PoolKind.VIRTUAL).threads(4))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> Gearbox.builder(PoolKind.THREADS).maxInFlight(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Gearbox.builder(PoolKind.THREADS).name(" "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Gearbox.builder(PoolKind.THREADS).name(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Gearbox.builder(PoolKind.THREADS).saturation(null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void poolBuilder_settings_areKeptByThePool() {
    try (Pool pool = h.track(Gearbox.builder(PoolKind.THREADS).name("configured").threads(3)
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
