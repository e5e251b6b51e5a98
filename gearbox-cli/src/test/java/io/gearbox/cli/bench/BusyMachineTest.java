package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 12: a benchmark run beside a busy loop (another process, pinned to one core where
 * {@code taskset} exists) says the machine was busy, in the table and in the JSON, and states
 * each speedup with its certainty. The fuller check, {@code gearbox matrix --quick} beside such a
 * loop against a quiet run, takes minutes and is a manual check (docs/matrix.md).
 */
class BusyMachineTest {

  @TempDir Path dir;

  @Test
  void aBusyLoopBesideTheBenchIsMeasuredAndWarnedAbout() throws Exception {
    assumeThat(Files.isReadable(Path.of("/proc/stat"))).as("Linux /proc").isTrue();
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/taskset"))) {
      command.addAll(List.of("/usr/bin/taskset", "-c", "0"));
    }
    command.addAll(List.of("/bin/sh", "-c", "while :; do :; done"));
    Process hog = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      Path json = dir.resolve("cpu.json");
      BenchCommandTest.Result r = BenchCommandTest.run("bench", "cpu", "--scale", "0.05",
          "--balanced-tasks", "4", "--runs", "3", "--warmup", "1",
          "--strategies", "sequential,cpu", "--json", json.toString());
      assertThat(r.code()).as(r.err()).isZero();

      JsonNode during = BenchCommandTest.read(json).path("machine_during");
      // the loop used about one core the whole time; allow for the kernel's 10 ms ticks
      assertThat(during.path("other_cpu_cores").asDouble()).as(during.toString()).isGreaterThan(0.6);
      assertThat(during.path("busy").asBoolean()).isTrue();
      assertThat(r.out()).contains("warning: the machine was busy during the runs (other processes used");
      for (JsonNode row : BenchCommandTest.read(json).path("results")) {
        if (row.path("strategy").asString().equals("cpu")) {
          assertThat(row.path("speedup_separation").asString()).isIn("separated", "tie", "uncertain");
          assertThat(row.path("speedup_ci")).hasSize(2);
          assertThat(row.path("runs_s")).hasSize(3);
        }
      }
    } finally {
      hog.destroyForcibly();
      assertThat(hog.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList()).isEmpty();
  }
}
