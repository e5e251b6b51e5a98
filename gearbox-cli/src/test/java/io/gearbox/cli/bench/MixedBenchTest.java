package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.testing.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code gearbox bench mixed} at a size that takes seconds: structure, never timings. */
@ExtendWith(Leaks.class)
class MixedBenchTest {

  @TempDir Path dir;

  @Test
  void mixedRunsEveryStrategyThroughOnePoolAndWritesJsonAndHtml() throws Exception {
    Path json = dir.resolve("mixed.json");
    Path html = dir.resolve("mixed.html");
    BenchCommandTest.Result r = BenchCommandTest.run("bench", "mixed", "--tasks", "6",
        "--cpu-ms", "2", "--latency-ms", "5", "--runs", "2", "--warmup", "0",
        "--json", json.toString(), "--html", html.toString());
    assertThat(r.code()).as(r.err()).isZero();

    List<String> expected = WorkloadBench.concat(List.of("sequential", "threads", "virtual", "cpu"),
        WorkloadBench.optionalPoolStrategies(), "jdk");
    BenchCommandTest.assertTable(r.out(), expected.toArray(String[]::new));
    assertThat(r.out()).contains("6 tasks alternating compute_heavy(1)");

    JsonNode doc = BenchCommandTest.read(json);
    BenchCommandTest.assertDocument(doc, "mixed", 2);
    JsonNode params = doc.path("params");
    assertThat(params.path("tasks").asInt()).isEqualTo(6);
    assertThat(params.path("cpu_tasks").asInt() + params.path("io_tasks").asInt()).isEqualTo(6);
    assertThat(params.path("cpu_scale").asDouble()).isPositive();
    assertThat(params.path("latency_ms").asInt()).isEqualTo(5);
    assertThat(BenchCommandTest.strategies(doc)).containsExactlyElementsOf(expected);
    for (JsonNode row : doc.path("results")) {
      assertThat(row.path("variant").asString()).isEqualTo("mixed");
      assertThat(row.path("ok").asInt()).isEqualTo(6);
      assertThat(row.path("tasks").asInt()).isEqualTo(6);
      assertThat(row.path("baseline").asString()).isEqualTo("sequential");
    }
    assertThat(Files.readString(html)).contains("\"workload\":\"mixed\"");
  }

  @Test
  void badMixedFlagsExit2() {
    for (String[] args : List.of(
        new String[] {"bench", "mixed", "--tasks", "0"},
        new String[] {"bench", "mixed", "--cpu-ms", "0"},
        new String[] {"bench", "mixed", "--latency-ms", "-1"},
        new String[] {"bench", "mixed", "--threads", "0"},
        new String[] {"bench", "mixed", "--strategies", "memory"})) {
      BenchCommandTest.Result r = BenchCommandTest.run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", args)).contains("Usage:");
      assertThat(r.out()).as(String.join(" ", args)).isEmpty();
    }
  }
}
