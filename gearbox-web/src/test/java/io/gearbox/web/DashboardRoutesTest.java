package io.gearbox.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gearbox.AutoPool;
import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.PoolKind;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.testing.Delays;
import io.gearbox.testing.Leaks;
import io.gearbox.testing.Work;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's routes on a real Helidon server (Helidon's JUnit 5 test support), mounted where
 * a user would mount it: {@code /stats} reports what the pools did, {@code /events} streams
 * snapshots more than twice a second, {@code /metrics} is Prometheus text, and the page is served
 * with everything it needs from this server.
 */
@ServerTest
class DashboardRoutesTest {

  private static final Pool CPU = Gearbox.cpuBuilder().name("crunch").threads(2).build();
  private static final Pool IO = Gearbox.virtualBuilder().name("fetch").build();
  private static final AutoPool AUTO = Gearbox.autoBuilder().name("router").probeRuns(2).build();

  private final Http1Client client;
  private final WebServer server;

  DashboardRoutesTest(Http1Client client, WebServer server) {
    this.client = client;
    this.server = server;
  }

  @SetUpRoute
  static void routing(HttpRouting.Builder routing) {
    routing.register("/gearbox", GearboxDashboard.of(CPU, IO, AUTO));
  }

  @AfterAll
  static void closePools() throws Exception {
    CPU.close();
    IO.close();
    AUTO.close();
    // the server is stopped after this class; Helidon's own threads are not ours to check
    Leaks.check();
  }

  private static long number(String json, String pool, String field) {
    Matcher m = Pattern.compile("\"name\":\"" + pool + "\"[^{]*?\"" + field + "\":(-?[0-9.]+)")
        .matcher(json);
    assertThat(m.find()).as("%s.%s in %s", pool, field, json).isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  @Test
  void stats_afterWork_reportsEveryPoolsOutcomes() throws Exception {
    long before = number(get("/gearbox/stats"), "crunch", "succeeded");
    List<TaskHandle<?>> handles = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      handles.add(CPU.submit(() -> Work.spin(Duration.ofMillis(2))));
    }
    handles.add(CPU.submit(() -> {
      throw new IllegalStateException("fails");
    }));
    handles.add(IO.submit(() -> Work.nap(Duration.ofMillis(5))));
    for (TaskHandle<?> h : handles) {
      h.await(Delays.LONG);
    }
    await().atMost(Delays.LONG).untilAsserted(() -> {
      String json = get("/gearbox/stats");
      assertThat(number(json, "crunch", "succeeded")).isEqualTo(before + 4);
      assertThat(number(json, "crunch", "failed")).isGreaterThanOrEqualTo(1);
      assertThat(number(json, "fetch", "succeeded")).isGreaterThanOrEqualTo(1);
      assertThat(number(json, "crunch", "parallelism")).isEqualTo(2);
      assertThat(json).contains("\"name\":\"router\"", "\"kind\":\"auto\"", "\"routes\":[",
          "\"queueWait\":{\"count\":");
    });
  }

  @Test
  void stats_autoPool_listsRoutesWithTheirReasons() throws Exception {
    for (int i = 0; i < 4; i++) {
      AUTO.submit(() -> Work.nap(Duration.ofMillis(10)), TaskOptions.named("download")).join();
    }
    String json = get("/gearbox/stats");
    Matcher reason = Pattern.compile("\"key\":\"download\".*?\"reason\":\"([^\"]*)\"").matcher(json);
    assertThat(reason.find()).as(json).isTrue();
    assertThat(reason.group(1)).isEqualTo(AUTO.route("download").reason()).contains("->");
  }

  @Test
  void events_stream_sendsSnapshotsMoreThanTwiceASecond() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (http) {
      HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + server.port() + "/gearbox/events")).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
          t -> assertThat(t).startsWith("text/event-stream"));
      List<Long> seqs = new ArrayList<>();
      long start = System.nanoTime();
      try (BufferedReader lines = new BufferedReader(
          new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String event = null;
        String line;
        while (seqs.size() < 6 && (line = lines.readLine()) != null) {
          if (line.startsWith("event:")) {
            event = line.substring(6).trim();
          } else if (line.startsWith("data:")) {
            assertThat(event).isEqualTo("snapshot");
            Matcher m = Pattern.compile("\"seq\":(\\d+)").matcher(line);
            assertThat(m.find()).as(line).isTrue();
            assertThat(line).contains("\"name\":\"crunch\"", "\"name\":\"fetch\"");
            seqs.add(Long.parseLong(m.group(1)));
          }
        }
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(seqs).hasSize(6).isSorted().doesNotHaveDuplicates();
      // six events are five intervals of 400 ms: 2 s, bounded generously for a loaded machine
      assertThat(took).isLessThan(Delays.scaled(Duration.ofSeconds(5)));
    }
  }

  @Test
  void metrics_prometheusText_carriesEveryPool() throws Exception {
    AUTO.submit(() -> Work.nap(Duration.ofMillis(5)), TaskOptions.named("ping")).join();
    CPU.submit(() -> 1).join();
    ClientResponseTyped<String> res = client.get("/gearbox/metrics").request(String.class);
    assertThat(res.status()).isEqualTo(Status.OK_200);
    assertThat(res.headers().get(HeaderNames.CONTENT_TYPE).get())
        .startsWith("text/plain; version=0.0.4");
    assertThat(res.entity())
        .contains("# TYPE gearbox_pool_tasks_completed_total counter")
        .contains("gearbox_pool_tasks_completed_total{kind=\"cpu\",pool=\"crunch\",state=\"succeeded\"}")
        .contains("gearbox_pool_tasks_queued{kind=\"virtual\",pool=\"fetch\"}")
        .contains("gearbox_auto_route_runs_total{key=\"ping\",kind=\"auto\",pool=\"router\"}")
        .contains("gearbox_pool_run_seconds_count{kind=\"auto\",pool=\"router\"}");
  }

  @Test
  void page_isServedWithItsChartLibraryFromThisServer() {
    ClientResponseTyped<String> redirect = client.get("/gearbox").followRedirects(false)
        .request(String.class);
    assertThat(redirect.status()).isEqualTo(Status.MOVED_PERMANENTLY_301);
    assertThat(redirect.headers().get(HeaderNames.LOCATION).get()).isEqualTo("/gearbox/");

    ClientResponseTyped<String> page = client.get("/gearbox/").request(String.class);
    assertThat(page.status()).isEqualTo(Status.OK_200);
    assertThat(page.entity()).contains("<script src=\"uplot.js\">", "href=\"uplot.css\"",
        "EventSource(base + \"events\")");
    assertThat(page.entity()).as("nothing from another host").doesNotContain("http://", "https://");

    ClientResponseTyped<String> js = client.get("/gearbox/uplot.js").request(String.class);
    assertThat(js.status()).isEqualTo(Status.OK_200);
    assertThat(js.entity()).contains("uPlot").hasSizeGreaterThan(40_000);
    assertThat(client.get("/gearbox/uplot.css").request(String.class).entity()).contains(".uplot");
  }

  @Test
  void of_badInput_failsWithOneClearMessage() {
    assertThatThrownBy(GearboxDashboard::of).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a dashboard needs at least one pool");
    assertThatThrownBy(() -> GearboxDashboard.of(CPU, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("a pool given to the dashboard is null");
  }

  private String get(String path) {
    ClientResponseTyped<String> res = client.get(path).request(String.class);
    assertThat(res.status()).isEqualTo(Status.OK_200);
    return res.entity();
  }
}
