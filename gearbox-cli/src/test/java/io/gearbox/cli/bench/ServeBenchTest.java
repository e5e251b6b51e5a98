package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gearbox.cli.Main;
import io.gearbox.testing.Leaks;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code gearbox bench serve}: reading wrk's report, bad flags, and a few seconds of real load. */
@ExtendWith(Leaks.class)
class ServeBenchTest {

  private static final String REPORT = """
      Running 10s test @ http://127.0.0.1:40000/io?ms=50
        2 threads and 1000 connections
        Thread Stats   Avg      Stdev     Max   +/- Stdev
          Latency    61.18ms   12.61ms   1.02s    91.23%
          Req/Sec     8.02k   812.11     9.49k    70.50%
        Latency Distribution
           50%   57.31ms
           75%   60.11ms
           90%   70.20ms
           99%    1.01s
        159604 requests in 10.01s, 30.60MB read
        Socket errors: connect 3, read 4, write 5, timeout 6
        Non-2xx or 3xx responses: 7
      Requests/sec:  15944.65
      Transfer/sec:      3.06MB
      """;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void readsWrksReport() throws IOException {
    Wrk.Result r = Wrk.parse(REPORT);
    assertThat(r.requests()).isEqualTo(159_604);
    assertThat(r.seconds()).isEqualTo(10.01);
    assertThat(r.requestsPerSecond()).isEqualTo(15_944.65);
    assertThat(r.p50()).isEqualTo(57.31);
    assertThat(r.p90()).isEqualTo(70.20);
    assertThat(r.p99()).isEqualTo(1_010.0);
    assertThat(r.max()).isEqualTo(1_020.0);
    assertThat(List.of(r.connectErrors(), r.readErrors(), r.writeErrors(), r.timeouts(), r.non2xx()))
        .containsExactly(3L, 4L, 5L, 6L, 7L);
    assertThat(r.errors()).isEqualTo(25);
    Wrk.Result micro = Wrk.parse(REPORT.replace("57.31ms", "812.00us").replace("1.01s", "1.50m"));
    assertThat(micro.p50()).isEqualTo(0.812);
    assertThat(micro.p99()).isEqualTo(90_000.0);
  }

  @Test
  void aReportWithoutNumbersIsAnError() {
    assertThatThrownBy(() -> Wrk.parse("unable to connect to 127.0.0.1:1 Connection refused"))
        .isInstanceOf(IOException.class)
        .hasMessage("wrk printed no report: unable to connect to 127.0.0.1:1 Connection refused");
  }

  @Test
  void badFlagsGiveUsageAndExit2() {
    for (List<String> flags : List.of(List.of("--handlers", "fast"), List.of("--duration", "0.5s"),
        List.of("--io-connections", "0"), List.of("--io-ms", "1000"), List.of("--warmup", "soon"))) {
      List<String> args = new ArrayList<>(List.of("bench", "serve"));
      args.addAll(flags);
      assertThat(run(args.toArray(String[]::new))).as("%s: %s", flags, err).isEqualTo(2);
      assertThat(err.toString()).contains("Usage: gearbox bench serve");
    }
    assertThat(err.toString()).contains("unknown handlers 'fast'").contains("--duration must be at least 1s");
  }

  /** A few seconds of real load; wrk is installed by ./gearbox test when missing. */
  @Test
  void measuresAServerUnderWrk(@TempDir Path dir) throws IOException {
    assumeTrue(Wrk.find() != null, "wrk is not installed (./gearbox test installs it)");
    Path json = dir.resolve("serve.json");
    Path html = dir.resolve("serve.html");
    int code = run("bench", "serve", "--handlers", "hybrid", "--duration", "1s", "--warmup", "0",
        "--io-connections", "20", "--burn-connections", "4", "--mixed-io-connections", "10",
        "--io-ms", "5", "--json", json.toString(), "--html", html.toString());
    assertThat(code).as(out + "\n" + err).isZero();
    JsonNode doc = Report.JSON.readTree(json.toFile());
    assertThat(doc.path("schema").asString()).isEqualTo("gearbox-bench/1");
    assertThat(doc.path("workload").asString()).isEqualTo("serve");
    List<String> scenarios = new ArrayList<>();
    for (JsonNode row : doc.path("results")) {
      scenarios.add(row.path("variant").asString());
      assertThat(row.path("strategy").asString()).isEqualTo("hybrid");
      assertThat(row.path("error").isNull()).as(row.toString()).isTrue();
      assertThat(row.path("requests").asLong()).as(row.toString()).isPositive();
      assertThat(row.path("latency_ms").path("p99").asDouble())
          .isGreaterThanOrEqualTo(row.path("latency_ms").path("p50").asDouble());
      assertThat(row.path("server_peak_rss_mb").asDouble()).isPositive();
    }
    assertThat(scenarios).containsExactly("io", "burn", "io-alone", "mixed-io", "mixed-burn");
    assertThat(doc.path("results").get(3).path("p99_vs_alone").isNumber()).isTrue();
    assertThat(out.toString()).contains("io: /io?ms=5 at 20 connections").contains("mixed-io");
    assertThat(Files.readString(html)).contains("data-charts=\"10\"").contains("<svg");
  }
}
