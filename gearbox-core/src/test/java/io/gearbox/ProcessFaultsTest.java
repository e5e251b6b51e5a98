package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process pool under faults it did not cause (issue 14), with real processes: workers that
 * never connect, an acceptor that meets accept() errors, tasks waiting for a worker, workers
 * killed from outside.
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
}
