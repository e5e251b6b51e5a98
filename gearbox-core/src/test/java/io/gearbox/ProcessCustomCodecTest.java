package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A process pool with a custom {@link TaskCodec} ({@link ProcessPoolBuilder#codec}): the codec is
 * used on both sides for tasks, results, map items and failures, its refusals fail the one task
 * they concern with the codec's reason, and a codec class that cannot be made is refused at build.
 */
class ProcessCustomCodecTest {

  @RegisterExtension final Harness h = new Harness();

  private ProcessPool pool() {
    return ProcessTests.pool(h, 1, b -> b.codec(TaggedCodec.class));
  }

  @Test
  void customCodec_carriesTasksResultsMapItemsAndFailuresBothWays() {
    try (ProcessPool p = pool()) {
      int[] callerBefore = TaggedCodec.uses();

      int[] workerUses = p.submit(TaggedCodec::uses).join();
      assertThat(workerUses[1]).as("decodes in the worker, which decoded this very task").isPositive();
      assertThat(workerUses[0]).as("encodes in the worker before this task's result").isNotNegative();
      int[] callerAfter = TaggedCodec.uses();
      assertThat(callerAfter[0]).as("the caller encoded the task").isGreaterThan(callerBefore[0]);
      assertThat(callerAfter[1]).as("the caller decoded the result").isGreaterThan(callerBefore[1]);

      assertThat(p.map((Integer x) -> x + 1, List.of(1, 2, 3)).toList()).containsExactly(2, 3, 4);

      ProcessTaskHandle<Object> failing = p.submit(() -> {
        throw new IllegalStateException("thrown in the worker");
      });
      assertThatThrownBy(failing::join).isInstanceOf(TaskFailedException.class)
          .cause().isInstanceOf(IllegalStateException.class).hasMessage("thrown in the worker");
      assertThat(p.stats().failed()).isEqualTo(1);
    }
  }

  @Test
  void customCodecRefusingATask_failsTheSubmitWithTheCodecsReasonAndThePoolGoesOn() {
    try (ProcessPool p = pool()) {
      assertThatThrownBy(() -> p.submit(new TaggedCodec.Refused()))
          .isInstanceOf(TaskNotSerializableException.class)
          .hasMessageContaining("TaggedCodec refuses");
      assertThat(p.stats().submitted()).as("nothing was submitted").isZero();
      assertThat(p.invoke(() -> 41 + 1)).isEqualTo(42);
    }
  }

  @Test
  void customCodecRefusingAResultInTheWorker_failsThatTaskOnly() {
    try (ProcessPool p = pool()) {
      long pid = p.workerPids().getFirst();
      Throwable refused = ProcessTests.failure(p.submit(TaggedCodec.Refused::new));
      assertThat(refused).isInstanceOf(TaskNotSerializableException.class)
          .hasMessageContaining("TaggedCodec refuses");
      assertThat(p.workerPids()).as("the worker survives a refused result").containsExactly(pid);
      assertThat(p.invoke(() -> "next")).isEqualTo("next");
    }
  }

  /** No public no-argument constructor. */
  public static final class UnmakeableCodec implements TaskCodec {
    public UnmakeableCodec(String unused) {}

    @Override
    public byte[] encode(Object value) throws IOException {
      throw new IOException("never made");
    }

    @Override
    public Object decode(byte[] bytes) throws IOException {
      throw new IOException("never made");
    }
  }

  @Test
  void codecWithoutPublicNoArgConstructor_isRefusedAtBuildStartingNoWorker() {
    assertThatThrownBy(() -> Gearbox.processBuilder().workers(1).codec(UnmakeableCodec.class).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(UnmakeableCodec.class.getName())
        .hasMessageContaining("public no-argument constructor");
    assertThat(ProcessHandle.current().descendants()).isEmpty();
  }
}
