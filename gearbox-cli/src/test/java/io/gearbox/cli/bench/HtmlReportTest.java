package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code --html} page: self-contained, and its charts really draw in a browser (headless
 * Chromium, Debian's {@code chromium} package; the test fails, never skips, when it is missing).
 */
class HtmlReportTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A saved io result, as {@code --json} writes it. */
  static final String SAMPLE_IO = """
      {"schema":"gearbox-bench/1","workload":"io",
       "params":{"tasks":10,"url_given":false,"latency_ms":100,"client":"urlconnection",
                 "runs":3,"warmup":1,"jvm_args":["-XX:+UseSerialGC"],"strategies":["sequential","virtual"]},
       "machine":{"cores":2,"memory_mb":24105,"os":"Linux","arch":"amd64","java":"25"},
       "finished":"2026-11-01T10:00:00Z",
       "results":[
        {"variant":"fetch","strategy":"sequential","wall_s":{"median":1.03,"min":1.02,"max":1.05},
         "runs_s":[1.02,1.03,1.05],"ok":10,"tasks":10,"peak_rss_mb":77.0,"cpu_s":0.02,
         "speedup":1.0,"baseline":"sequential","error":null},
        {"variant":"fetch","strategy":"virtual","wall_s":{"median":0.11,"min":0.105,"max":0.13},
         "runs_s":[0.105,0.11,0.13],"ok":10,"tasks":10,"peak_rss_mb":78.5,"cpu_s":0.03,
         "speedup":9.36,"baseline":"sequential","error":null}]}
      """;

  /** A saved cpu result with two variants, one strategy failed (no runs) and a "</script>". */
  static final String SAMPLE_CPU = """
      {"schema":"gearbox-bench/1","workload":"cpu",
       "params":{"scale":10,"order":"seed","balanced_tasks":64,"runs":2,"warmup":1,
                 "jvm_args":["</script><b>x"]},
       "machine":{"cores":2,"memory_mb":24105,"os":"Linux","arch":"amd64","java":"25"},
       "finished":"2026-11-01T10:00:00Z",
       "results":[
        {"variant":"seed","strategy":"sequential","wall_s":{"median":2.0,"min":2.0,"max":2.1},
         "runs_s":[2.0,2.1],"ok":4,"tasks":4,"peak_rss_mb":60,"cpu_s":2.0,"speedup":1.0,
         "baseline":"sequential","error":null},
        {"variant":"seed","strategy":"cpu","wall_s":{"median":1.2,"min":1.2,"max":1.25},
         "runs_s":[1.2,1.25],"ok":4,"tasks":4,"peak_rss_mb":61,"cpu_s":2.0,"speedup":1.67,
         "baseline":"sequential","error":null},
        {"variant":"balanced","strategy":"sequential","wall_s":{"median":2.0,"min":2.0,"max":2.0},
         "runs_s":[2.0,2.0],"ok":64,"tasks":64,"peak_rss_mb":60,"cpu_s":2.0,"speedup":1.0,
         "baseline":"sequential","error":null},
        {"variant":"balanced","strategy":"jdk","wall_s":{"median":null,"min":null,"max":null},
         "runs_s":[],"ok":0,"tasks":0,"peak_rss_mb":null,"cpu_s":null,"speedup":null,
         "baseline":null,"error":"its JVM exited with code 1"}]}
      """;

  @TempDir Path dir;

  private static List<JsonNode> samples() {
    return List.of(JSON.readTree(SAMPLE_IO), JSON.readTree(SAMPLE_CPU));
  }

  @Test
  void pageIsSelfContained() {
    String html = HtmlReport.render(samples());
    assertThat(html).startsWith("<!DOCTYPE html>");
    // nothing to fetch: no src/href attributes, no URL but the SVG namespace
    assertThat(html).doesNotContainPattern("(?i)\\b(src|href)\\s*=");
    assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://")
        .doesNotContain("https://");
    assertThat(html).doesNotContain("</script><b>"); // data cannot end its script block
    assertThat(html).doesNotContain("%TITLE%").doesNotContain("%TABLES%").doesNotContain("%DATA%")
        .contains("<title>gearbox bench: io cpu</title>").contains("<h1>gearbox bench: io cpu</h1>");
  }

  @Test
  void chartsDrawInHeadlessChromium() throws Exception {
    Path chromium = findChromium();
    Path page = dir.resolve("report.html");
    Files.writeString(page, HtmlReport.render(samples()));
    String dom = dumpDom(chromium, page);

    // io: 1 variant; cpu: 2 variants; two charts (wall time, speedup) for each
    assertThat(dom).doesNotContainPattern("<body[^>]*data-chart-error");
    Matcher drawn = Pattern.compile("<body[^>]*data-charts-drawn=\"(\\d+)\"").matcher(dom);
    assertThat(drawn.find()).as("the page's script finished drawing").isTrue();
    assertThat(drawn.group(1)).isEqualTo("6");
    assertThat(count(dom, "<svg[^>]*class=\"bench-chart\"")).isEqualTo(6);
    assertThat(count(dom, "<svg[^>]*data-kind=\"wall\"")).isEqualTo(3);
    assertThat(count(dom, "<svg[^>]*data-kind=\"speedup\"")).isEqualTo(3);
    // bars: 2 io + 2 seed + 1 balanced wall bars, and as many speedup bars
    assertThat(count(dom, "<rect[^>]*class=\"bar\"")).isEqualTo(10);
    assertThat(count(dom, "<line[^>]*class=\"spread\"")).isEqualTo(5);
    assertThat(count(dom, "<circle[^>]*class=\"run\"")).isEqualTo(3 + 3 + 2 + 2 + 2);
    assertThat(dom).contains("failed"); // the strategy without runs says so
  }

  private static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  static Path findChromium() {
    List<String> candidates = new ArrayList<>();
    String env = System.getenv("CHROMIUM");
    if (env != null && !env.isBlank()) {
      candidates.add(env);
    }
    candidates.add("/usr/bin/chromium");
    for (String c : candidates) {
      Path p = Path.of(c);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return fail("headless Chromium not found at $CHROMIUM or /usr/bin/chromium: install Debian's "
        + "chromium (the ./gearbox test launcher does this), e.g. apt-get install -y chromium");
  }

  private String dumpDom(Path chromium, Path page) throws IOException, InterruptedException {
    Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
    Path out = dir.resolve("dom.html");
    Path err = dir.resolve("chromium.err");
    Process p = new ProcessBuilder(
        chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
        "--dump-dom", page.toUri().toString())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium did not finish within 90 s; stderr: " + Files.readString(err));
    }
    String dom = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(dom).as("chromium exit %d, stderr: %s", p.exitValue(), Files.readString(err))
        .contains("</html>");
    return dom;
  }
}
