package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * No orphans (A10 T11, promise P9): when the caller's JVM dies, even by SIGKILL, which runs no
 * hook, its workers exit within 5 s, whether busy in a CPU loop or blocked in a native read.
 */
class ProcessOrphanTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path tmp;

  /** The promise's bound: workers are gone this long after their parent. */
  private static final Duration ORPHAN_LIMIT = Delays.scaled(Duration.ofSeconds(5));

  @Test
  void parentKilled_bySigkill_leavesNoWorkerAliveWithinFiveSeconds() throws Exception {
    Process parent = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        OrphanParentMain.class.getName(), tmp.toString())
        .redirectErrorStream(true).start();
    List<Long> pids = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    try {
      LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
      ProcessTests.collectLines(h, "parent-output", parent, lines);
      long deadline = System.nanoTime() + ProcessTests.STARTUP.toNanos();
      while (pids.isEmpty()) {
        String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(line).as("the parent's WORKERS line; it printed %s", seen).isNotNull();
        seen.add(line);
        if (line.startsWith("WORKERS ")) {
          Arrays.stream(line.substring("WORKERS ".length()).split(" "))
              .map(Long::parseLong).forEach(pids::add);
        }
      }
      assertThat(pids).hasSize(2).allMatch(ProcessTests::alive);

      parent.destroyForcibly(); // SIGKILL: no shutdown hook, no close
      assertThat(parent.waitFor(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      assertThat(parent.exitValue()).isEqualTo(128 + 9);

      Harness.eventually().atMost(ORPHAN_LIMIT)
          .untilAsserted(() -> assertThat(pids).noneMatch(ProcessTests::alive));
    } finally {
      parent.destroyForcibly();
      parent.waitFor();
      for (long pid : pids) { // should they have outlived the assertion: not into the next test
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }
}
