package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ProcessChannel#closeWhenDone}: a caller taking from a channel that tasks feed is never left
 * waiting once they have all ended, and learns why when one failed (issue 11).
 */
class ProcessChannelProducersTest {

  @RegisterExtension final Harness h = new Harness();

  /** In a worker: puts n items, then fails or crashes or returns. */
  static int produce(String channel, int n, String then) throws InterruptedException {
    ProcessChannel<Integer> ch = Gearbox.workerChannel(channel);
    for (int i = 0; i < n; i++) {
      ch.put(i);
    }
    switch (then) {
      case "throw" -> throw new IllegalStateException("producer gave up after " + n);
      case "exit" -> System.exit(5);
      default -> { }
    }
    return n;
  }

  private static List<Integer> drain(ProcessChannel<Integer> ch, List<Throwable> end) {
    List<Integer> got = new ArrayList<>();
    while (true) {
      try {
        got.add(ch.take());
      } catch (Throwable t) {
        end.add(t);
        return got;
      }
    }
  }

  @Test
  void aProducerThatThrows_closesTheChannel_andTakeSaysWhy() {
    try (ProcessPool p = ProcessTests.pool(h, 1, b -> b)) {
      ProcessChannel<Integer> ch = p.channel("numbers", 10);
      ch.closeWhenDone(p.submit(() -> produce("numbers", 3, "throw")));
      List<Throwable> end = new ArrayList<>();
      assertThat(drain(ch, end)).containsExactly(0, 1, 2);
      assertThat(end.getFirst()).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("a task feeding it ended with")
          .hasStackTraceContaining("producer gave up after 3");
    }
  }

  @Test
  void aProducerWhoseWorkerDies_closesTheChannel_andTakeSaysWhy() {
    try (ProcessPool p = ProcessTests.pool(h, 1, b -> b)) {
      ProcessChannel<Integer> ch = p.channel("numbers", 10);
      ch.closeWhenDone(p.submit(() -> produce("numbers", 0, "exit")));
      Throwable end = catchThrowable(ch::take);
      assertThat(end).isInstanceOf(IllegalStateException.class)
          .hasStackTraceContaining("WorkerCrashedException").hasStackTraceContaining("exit code 5");
    }
  }

  @Test
  void producersThatSucceed_closeTheChannelWhenTheLastEnds_withNoCause() {
    try (ProcessPool p = ProcessTests.pool(h, 2, b -> b)) {
      ProcessChannel<Integer> ch = p.channel("numbers", 10);
      ch.closeWhenDone(p.submit(() -> produce("numbers", 2, "return")),
          p.submit(() -> produce("numbers", 3, "return")));
      List<Throwable> end = new ArrayList<>();
      assertThat(drain(ch, end)).hasSize(5);
      assertThat(end.getFirst()).isInstanceOf(IllegalStateException.class).hasNoCause()
          .hasMessage("channel 'numbers' is closed");
    }
  }
}
