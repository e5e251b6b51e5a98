package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.cli.Main;
import io.gearbox.examples.LatencyServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code gearbox bench} end to end, at sizes that take seconds: exit codes, the table's columns,
 * the JSON document's shape and that every task succeeded. Never timings: the machine is shared.
 */
class BenchCommandTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  static JsonNode read(Path file) throws Exception {
    return JSON.readTree(Files.readString(file));
  }

  // ------------------------------------------------------------------ bad arguments: exit 2

  @Test
  void benchWithoutWorkloadIsAUsageError() {
    Result r = run("bench");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Usage:").contains("io").contains("memory");
  }

  @Test
  void badArgumentsPrintUsageAndExit2() {
    for (String[] args : List.of(
        new String[] {"bench", "io", "--tasks", "0"},
        new String[] {"bench", "io", "--tasks", "ten"},
        new String[] {"bench", "io", "--strategies", "threads,bogus"},
        new String[] {"bench", "io", "--url", "not a url"},
        new String[] {"bench", "io", "--url", "ftp://127.0.0.1/x"},
        new String[] {"bench", "io", "--client", "curl"},
        new String[] {"bench", "io", "--runs", "0"},
        new String[] {"bench", "cpu", "--scale", "-1"},
        new String[] {"bench", "cpu", "--order", "random"},
        new String[] {"bench", "cpu", "--strategies", "virtual"},
        new String[] {"bench", "memory", "--tasks", "-5"},
        new String[] {"bench", "report"})) {
      Result r = run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", args)).contains("Usage:");
      assertThat(r.out()).as(String.join(" ", args)).isEmpty();
    }
  }

  @Test
  void unknownOptionExits2() {
    // picocli answers an unknown option with close matches rather than the whole usage
    Result r = run("bench", "overhead", "--no-such-flag");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--no-such-flag");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void unknownStrategyNamesTheChoices() {
    Result r = run("bench", "io", "--strategies", "bogus");
    assertThat(r.err()).contains("unknown strategy 'bogus'")
        .contains("sequential, threads, virtual").contains("jdk");
  }

  // ------------------------------------------------------------------ unreachable --url: exit 1

  @Test
  void unreachableUrlIsOneLineAndExit1() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: nothing listens there now
    }
    String url = "http://127.0.0.1:" + port + "/nothing-here";
    Result r = run("bench", "io", "--url", url, "--tasks", "3", "--runs", "1");
    assertThat(r.code()).isEqualTo(1);
    List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.getFirst()).contains(url).startsWith("gearbox: cannot reach --url");
    assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(r.out()).isEmpty();
  }

  // ------------------------------------------------------------------ workloads

  @Test
  void ioWritesTableJsonAndHtml() throws Exception {
    Path json = dir.resolve("io.json");
    Path html = dir.resolve("io.html");
    Result r = run("bench", "io", "--tasks", "4", "--latency-ms", "20", "--runs", "2",
        "--warmup", "1", "--json", json.toString(), "--html", html.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    List<String> all = WorkloadBench.concat(List.of("sequential", "threads", "virtual"),
        WorkloadBench.optionalPoolStrategies(), "jdk");
    assertTable(r.out(), all.toArray(String[]::new));
    assertThat(r.err()).contains("[1/").contains("io fetch/virtual run 2/2");

    JsonNode doc = read(json);
    assertDocument(doc, "io", 2);
    assertThat(doc.path("params").path("tasks").asInt()).isEqualTo(4);
    assertThat(doc.path("params").path("latency_ms").asInt()).isEqualTo(20);
    assertThat(doc.path("params").path("client").asString()).isEqualTo("apache"); // the default
    assertThat(strategies(doc)).containsExactlyElementsOf(all);
    for (JsonNode row : doc.path("results")) {
      assertThat(row.path("ok").asInt()).isEqualTo(4);
      assertThat(row.path("tasks").asInt()).isEqualTo(4);
      assertThat(row.path("baseline").asString()).isEqualTo("sequential");
    }
    assertThat(Files.readString(html)).contains("id=\"bench-data\"").contains("\"workload\":\"io\"")
        .doesNotContain("<script src");
  }

  @Test
  void givenUrlIsFetchedExactlyAsGivenNTimes() throws Exception {
    try (LatencyServer server = LatencyServer.start(Duration.ofMillis(5))) {
      String url = server.uri() + "?ms=1&bytes=10";
      Path json = dir.resolve("url.json");
      Result r = run("bench", "io", "--url", url, "--tasks", "5", "--strategies", "virtual,jdk",
          "--runs", "2", "--warmup", "1", "--json", json.toString());
      assertThat(r.code()).as(r.err()).isEqualTo(0);
      JsonNode doc = read(json);
      assertDocument(doc, "io", 2);
      assertThat(doc.path("params").path("url").asString()).isEqualTo(url);
      assertThat(strategies(doc)).containsExactly("virtual", "jdk");
      // one check before the runs; per strategy's JVM one fetch on its main thread before its
      // warm-up (class loading off virtual threads), then 5 per run: its warm-ups (1, and more
      // while its JIT compiled) + 2 runs
      int fetches = 1;
      for (JsonNode row : doc.path("results")) {
        assertThat(row.path("warmup_runs").asInt()).isGreaterThanOrEqualTo(1);
        fetches += 1 + 5 * (row.path("warmup_runs").asInt() + 2);
      }
      assertThat(server.served()).isEqualTo(fetches);
      doc.path("results").forEach(row -> assertThat(row.path("ok").asInt()).isEqualTo(5));
      // no sequential ran: speedups are against jdk
      doc.path("results").forEach(row -> assertThat(row.path("baseline").asString()).isEqualTo("jdk"));
    }
  }

  @Test
  void cpuHasTheSeedAndTheBalancedVariant() throws Exception {
    Path json = dir.resolve("cpu.json");
    Result r = run("bench", "cpu", "--scale", "0.02", "--balanced-tasks", "8", "--runs", "1",
        "--warmup", "0", "--strategies", "sequential,cpu,jdk", "--json", json.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    assertTable(r.out(), "sequential", "cpu", "jdk");
    assertThat(r.out()).contains("seed: compute_heavy(1), (2), (3), (4)").contains("balanced: 8");
    JsonNode doc = read(json);
    assertDocument(doc, "cpu", 1);
    Set<String> variants = new TreeSet<>();
    for (JsonNode row : doc.path("results")) {
      variants.add(row.path("variant").asString());
      int expected = row.path("variant").asString().equals("seed") ? 4 : 8;
      assertThat(row.path("ok").asInt()).isEqualTo(expected);
      assertThat(row.path("tasks").asInt()).isEqualTo(expected);
    }
    assertThat(variants).containsExactly("balanced", "seed");
    assertThat(doc.path("results")).hasSize(6);
  }

  @Test
  void overheadPairsEachPoolWithItsJdkExecutor() throws Exception {
    Path json = dir.resolve("overhead.json");
    Result r = run("bench", "overhead", "--tasks", "2000", "--runs", "1", "--warmup", "0",
        "--json", json.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    assertTable(r.out(), "threads", "virtual", "cpu", "jdk");
    assertThat(r.out()).contains("per task");
    JsonNode doc = read(json);
    assertDocument(doc, "overhead", 1);
    List<String> pairs = new ArrayList<>();
    for (JsonNode row : doc.path("results")) {
      pairs.add(row.path("variant").asString() + "/" + row.path("strategy").asString());
      assertThat(row.path("ok").asInt()).isEqualTo(2000);
      assertThat(row.path("per_task_us").isNumber()).isTrue();
      assertThat(row.path("baseline").asString()).isEqualTo("jdk");
    }
    assertThat(pairs).containsExactly(
        "threads/threads", "threads/jdk", "virtual/virtual", "virtual/jdk", "cpu/cpu", "cpu/jdk");
  }

  @Test
  void memoryMeasuresBytesPerTaskInFreshJvms() throws Exception {
    Path json = dir.resolve("memory.json");
    Result r = run("bench", "memory", "--tasks", "300", "--runs", "1", "--json", json.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    assertTable(r.out(), "threads", "virtual", "jdk");
    assertThat(r.out()).contains("RSS loaded");
    JsonNode doc = read(json);
    assertDocument(doc, "memory", 1);
    assertThat(doc.path("results")).hasSize(4);
    for (JsonNode row : doc.path("results")) {
      assertThat(row.path("ok").asInt()).isEqualTo(300);
      assertThat(row.path("bytes_per_task").isNumber()).isTrue();
      assertThat(row.path("rss_loaded_mb").asDouble()).isPositive();
    }
  }

  @Test
  void reportRedrawsSavedFiles() throws Exception {
    Path json = dir.resolve("saved.json");
    Files.writeString(json, HtmlReportTest.SAMPLE_IO);
    Path html = dir.resolve("all.html");
    Result r = run("bench", "report", json.toString(), json.toString(), "--html", html.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    assertTable(r.out(), "sequential", "virtual");
    assertThat(Files.readString(html)).contains("bench-data");

    Path notOurs = dir.resolve("other.json");
    Files.writeString(notOurs, "{\"hello\": 1}");
    Result bad = run("bench", "report", notOurs.toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err().lines().count()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ shared checks

  static void assertTable(String out, String... strategies) {
    String header = out.lines().filter(l -> l.strip().startsWith("strategy")).findFirst().orElse("");
    assertThat(header).as(out).contains("strategy", "median", "min", "max", "ok", "peak RSS", "CPU",
        "speedup");
    for (String s : strategies) {
      assertThat(out.lines().anyMatch(l -> l.strip().startsWith(s + " "))).as(s + " in\n" + out).isTrue();
    }
  }

  static List<String> strategies(JsonNode doc) {
    List<String> out = new ArrayList<>();
    doc.path("results").forEach(row -> out.add(row.path("strategy").asString()));
    return out;
  }

  /** The documented schema (docs/bench-json.md). */
  static void assertDocument(JsonNode doc, String workload, int runs) {
    assertThat(doc.path("schema").asString()).isEqualTo("gearbox-bench/1");
    assertThat(doc.path("workload").asString()).isEqualTo(workload);
    assertThat(doc.path("params").isObject()).isTrue();
    assertThat(doc.path("params").path("runs").asInt()).isEqualTo(runs);
    assertThat(doc.path("params").path("jvm_args").isArray()).isTrue();
    assertThat(doc.path("machine").path("cores").asInt()).isPositive();
    assertThat(doc.path("results").isArray()).isTrue();
    assertThat(doc.path("results").size()).isPositive();
    for (JsonNode row : doc.path("results")) {
      assertThat(row.path("strategy").asString())
          .isIn("sequential", "threads", "virtual", "cpu", "processes", "auto", "jdk");
      assertThat(row.path("variant").isString()).isTrue();
      JsonNode wall = row.path("wall_s");
      double median = wall.path("median").asDouble();
      assertThat(wall.path("min").asDouble()).isPositive().isLessThanOrEqualTo(median);
      assertThat(wall.path("max").asDouble()).isGreaterThanOrEqualTo(median);
      assertThat(row.path("runs_s")).hasSize(runs);
      assertThat(row.path("ok").isInt()).isTrue();
      assertThat(row.path("peak_rss_mb").asDouble()).isPositive();
      assertThat(row.path("cpu_s").isNumber()).isTrue();
      assertThat(row.path("speedup").isNumber()).isTrue();
      assertThat(row.path("error").isNull()).as(row.toString()).isTrue();
    }
  }
}
