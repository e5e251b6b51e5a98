package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.testing.Leaks;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code gearbox bench processes} and the processes strategy of {@code bench cpu}, at sizes that
 * take seconds: exit codes, structure and that every task succeeded. Never timings.
 */
@ExtendWith(Leaks.class)
class ProcessBenchTest {

  @TempDir Path dir;

  @Test
  void processesMeasuresSpawnRoundTripAndMap() throws Exception {
    Path json = dir.resolve("processes.json");
    BenchCommandTest.Result r = BenchCommandTest.run("bench", "processes", "--spawns", "1",
        "--runs", "1", "--round-trips", "20", "--items", "500", "--workers", "1",
        "--json", json.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    assertThat(r.out()).contains("java -version").contains("worker start to handshake")
        .contains("tiny task round trip (invoke)").contains("submit(..).join()")
        .contains("map, 500 tiny items");
    JsonNode doc = BenchCommandTest.read(json);
    assertThat(doc.path("workload").asString()).isEqualTo("processes");
    for (String field : new String[] {"java_version_ms", "handshake_ms", "first_result_ms",
        "round_trip_us", "round_trip_invoke_us", "map_items_per_s"}) {
      assertThat(doc.path(field).asDouble()).as(field).isPositive();
    }
  }

  @Test
  void processesRejectsANonPositiveCountWithUsage() {
    BenchCommandTest.Result r = BenchCommandTest.run("bench", "processes", "--spawns", "0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--spawns").contains("Usage:");
  }

  @Test
  void cpuRunsComputeHeavyOnWorkerProcesses() throws Exception {
    Path json = dir.resolve("cpu.json");
    BenchCommandTest.Result r = BenchCommandTest.run("bench", "cpu", "--scale", "0.02",
        "--balanced-tasks", "8", "--runs", "1", "--warmup", "0", "--strategies", "sequential,processes",
        "--json", json.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    BenchCommandTest.assertTable(r.out(), "sequential", "processes");
    JsonNode doc = BenchCommandTest.read(json);
    int processRows = 0;
    for (JsonNode row : doc.path("results")) {
      if (row.path("strategy").asString().equals("processes")) {
        processRows++;
        int expected = row.path("variant").asString().equals("seed") ? 4 : 8;
        assertThat(row.path("ok").asInt()).isEqualTo(expected);
      }
    }
    assertThat(processRows).isEqualTo(2);
  }
}
