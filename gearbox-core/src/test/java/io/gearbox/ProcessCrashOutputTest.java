package io.gearbox;

import static io.gearbox.ProcessTests.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gearbox.Bomb.Failure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a task printed before its worker died is kept (issue 11): in the
 * {@link WorkerCrashedException}'s last lines and message, and in the handle's output, for each way
 * a task can end its JVM without a reply (System.exit, Runtime.halt, a native crash, out of
 * memory), with a pause between the prints and the end so nothing depends on a lucky flush.
 */
class ProcessCrashOutputTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path tmp;

  /** In a worker: prints on both streams, waits, then dies the given way. */
  static Object printThenDie(Failure how) throws InterruptedException {
    System.out.println("stdout before " + how);
    System.out.print("a partial line, no newline");
    System.err.println("stderr before " + how);
    Thread.sleep(100);
    if (how == null) {
      List<long[]> hog = new ArrayList<>();
      while (true) {
        hog.add(new long[1 << 17]);
      }
    }
    Bomb.explode(how);
    return null;
  }

  @ParameterizedTest
  @EnumSource(value = Failure.class, names = {"EXIT", "HALT", "NATIVE"})
  void crashedTasksOutput_isInTheExceptionAndOnTheHandle(Failure how) {
    check(how, b -> b.jvmOptions("--enable-native-access=ALL-UNNAMED", "-XX:-CreateCoredumpOnCrash",
        "-XX:ErrorFile=" + tmp.resolve("hs_err_%p.log")));
  }

  @Test
  void outOfMemoryTasksOutput_isInTheExceptionAndOnTheHandle() {
    WorkerCrashedException crash = check(null, b -> b.maxHeap("32m"));
    assertThat(crash.outOfMemory()).isTrue();
  }

  private WorkerCrashedException check(Failure how,
      java.util.function.UnaryOperator<ProcessPoolBuilder> config) {
    try (ProcessPool p = ProcessTests.pool(h, 1, config)) {
      ProcessTaskHandle<Object> t = p.submit(() -> printThenDie(how));
      Throwable e = failure(t);
      assertThat(e).isInstanceOf(WorkerCrashedException.class);
      WorkerCrashedException crash = (WorkerCrashedException) e;
      assertThat(crash.lastOutput()).containsExactly("stdout before " + how,
          "a partial line, no newline", "stderr before " + how);
      assertThat(crash.getMessage()).contains("the task's last output:", "| stdout before " + how,
          "| stderr before " + how);
      assertThat(t.output().stdout()).isEqualTo("stdout before " + how + System.lineSeparator()
          + "a partial line, no newline");
      assertThat(t.output().stderr()).isEqualTo("stderr before " + how + System.lineSeparator());

      // the replacement's next task starts with an empty spool: only its own output
      ProcessTaskHandle<Integer> next = p.submit(() -> {
        System.out.println("next");
        return 1;
      });
      assertThat(next.join()).isEqualTo(1);
      assertThat(next.output().stdout()).isEqualTo("next" + System.lineSeparator());
      return crash;
    }
  }

  @Test
  void aTaskKilledAtItsDeadline_keepsWhatItPrinted() {
    try (ProcessPool p = ProcessTests.pool(h, 1, b -> b)) {
      ProcessTaskHandle<Object> t = p.submit(() -> {
        System.out.println("spinning, deaf to interrupts");
        while (true) {
          Thread.onSpinWait();
        }
      }, TaskOptions.timeout(java.time.Duration.ofMillis(300)));
      assertThat(catchThrowable(t::join)).isInstanceOf(TaskTimeoutException.class);
      Harness.eventually().atMost(Delays.LONG)
          .until(() -> t.output().stdout().equals("spinning, deaf to interrupts" + System.lineSeparator()));
      assertThat(t.cancelRung()).isEqualTo(CancelRung.KILLED);
    }
  }

  @Test
  void aTaskThatEndsNormally_afterACrashedOneOnTheSameWorker_hasOnlyItsOwnOutput() {
    try (ProcessPool p = ProcessTests.pool(h, 1, b -> b)) {
      ProcessTaskHandle<Integer> first = p.submit(() -> {
        System.out.println("first");
        return 1;
      });
      assertThat(first.join()).isEqualTo(1);
      Throwable e = failure(p.submit(() -> {
        System.out.println("second, then exit");
        System.exit(3);
        return 2;
      }));
      assertThat(((WorkerCrashedException) e).lastOutput()).containsExactly("second, then exit");
      assertThat(((WorkerCrashedException) e).exitCode()).isEqualTo(3);
    }
  }
}
