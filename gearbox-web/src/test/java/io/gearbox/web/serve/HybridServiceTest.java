package io.gearbox.web.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gearbox.PoolStats;
import io.gearbox.examples.LatencyServer;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hybrid service's routes, bad input and faults, on a real Helidon server started by Helidon's
 * JUnit support. Each configuration of the service is mounted under its own prefix:
 * {@code /hybrid}, {@code /virtual}, {@code /threads}, {@code /auto} (defaults, a local latency
 * server upstream), {@code /tight} (a CPU pool with no queue), {@code /short} (a 300 ms deadline),
 * {@code /dead} (nobody listens upstream) and {@code /failing} (the upstream answers 500).
 */
@ServerTest
class HybridServiceTest {

  private static final int CORES = Runtime.getRuntime().availableProcessors();
  private static final Duration LONG = Upstreams.scaled(Duration.ofSeconds(20));
  private static final Pattern SUM = Pattern.compile("\"sum\":(\\d+)");

  private static LatencyServer upstream;
  private static HttpServer failingUpstream;
  private static final List<HybridService> services = new ArrayList<>();
  private static HybridService hybrid;
  private static HybridService tight;
  private static HybridService shortDeadline;

  private final Http1Client client;

  HybridServiceTest(Http1Client client) {
    this.client = client;
  }

  @SetUpRoute
  static void routing(HttpRouting.Builder routing) {
    try {
      upstream = LatencyServer.start(Duration.ofMillis(5));
      failingUpstream = Upstreams.failing();
      hybrid = service("/hybrid", routing, HybridService.builder(upstream.uri()));
      for (Handlers h : List.of(Handlers.VIRTUAL, Handlers.THREADS, Handlers.AUTO)) {
        service("/" + h.label(), routing, HybridService.builder(upstream.uri()).handlers(h));
      }
      tight = service("/tight", routing, HybridService.builder(upstream.uri()).queue(0)
          .requestTimeout(LONG.multipliedBy(2)));
      shortDeadline = service("/short", routing, HybridService.builder(upstream.uri())
          .requestTimeout(Duration.ofMillis(300)));
      service("/dead", routing, HybridService.builder(Upstreams.unreachable()));
      service("/failing", routing, HybridService.builder(Upstreams.uri(failingUpstream)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static HybridService service(String prefix, HttpRouting.Builder routing, HybridService.Builder b) {
    HybridService s = b.build();
    services.add(s);
    routing.register(prefix, s);
    return s;
  }

  @AfterAll
  static void closeAll() {
    for (HybridService s : services) {
      assertThat(s.close(Duration.ofSeconds(5))).as("pool of %s terminated", s).isTrue();
      assertThat(s.pool().isTerminated()).isTrue();
    }
    upstream.close();
    failingUpstream.stop(0);
  }

  @AfterEach
  void interruptFlagClear() {
    assertThat(Thread.interrupted()).as("the test thread's interrupt flag").isFalse();
  }

  /** GET a path with its query (the client takes query parameters apart from the path). */
  private ClientResponseTyped<String> get(String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    var request = client.get(q < 0 ? pathAndQuery : pathAndQuery.substring(0, q));
    if (q >= 0) {
      Map<String, List<String>> params = new LinkedHashMap<>();
      for (String pair : pathAndQuery.substring(q + 1).split("&")) {
        int eq = pair.indexOf('=');
        params.computeIfAbsent(eq < 0 ? pair : pair.substring(0, eq), k -> new ArrayList<>())
            .add(eq < 0 ? "" : pair.substring(eq + 1));
      }
      params.forEach((name, values) -> request.queryParam(name, values.toArray(String[]::new)));
    }
    return request.request(String.class);
  }

  // ------------------------------------------------------------------ routes

  @ParameterizedTest
  @ValueSource(strings = {"hybrid", "virtual", "threads", "auto"})
  void everyRouteAnswersJsonOnEveryHandlers(String handlers) {
    var io = get("/" + handlers + "/io?ms=5");
    assertThat(io.status()).isEqualTo(Status.OK_200);
    assertThat(io.headers().contentType().orElseThrow().text()).startsWith("application/json");
    assertThat(io.entity()).isEqualTo("{\"route\":\"io\",\"ms\":5,\"bytes\":"
        + LatencyServer.DEFAULT_BODY_BYTES + ",\"handlers\":\"" + handlers + "\"}");

    var cpu = get("/" + handlers + "/cpu?n=200000");
    assertThat(cpu.status()).isEqualTo(Status.OK_200);
    assertThat(sum(cpu.entity())).isEqualTo(200_000L * 199_999L / 2);

    var burn = get("/" + handlers + "/burn?ms=2");
    assertThat(burn.status()).isEqualTo(Status.OK_200);
    Matcher spent = Pattern.compile("\"cpu_ms\":([0-9.]+)").matcher(burn.entity());
    assertThat(spent.find()).as(burn.entity()).isTrue();
    assertThat(Double.parseDouble(spent.group(1))).isGreaterThanOrEqualTo(2.0);

    var mixed = get("/" + handlers + "/mixed?ms=5&n=1000");
    assertThat(mixed.status()).isEqualTo(Status.OK_200);
    assertThat(mixed.entity()).contains("\"bytes\":" + LatencyServer.DEFAULT_BODY_BYTES);
    assertThat(sum(mixed.entity())).isEqualTo(1000L * 999 / 2);
  }

  @Test
  void hybridComputesOnTheCpuPoolAndWaitsOnTheHandlersThread() {
    long before = hybrid.pool().stats().succeeded();
    assertThat(get("/hybrid/io?ms=1").status()).isEqualTo(Status.OK_200);
    assertThat(hybrid.pool().stats().succeeded()).as("a fetch does not use the CPU pool").isEqualTo(before);
    assertThat(get("/hybrid/cpu?n=10").status()).isEqualTo(Status.OK_200);
    assertThat(hybrid.pool().stats().succeeded()).isEqualTo(before + 1);
  }

  private static long sum(String json) {
    Matcher m = SUM.matcher(json);
    assertThat(m.find()).as(json).isTrue();
    return Long.parseLong(m.group(1));
  }

  // ------------------------------------------------------------------ bad input

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = { // the messages quote with '
      "/io                      | missing query parameter 'ms'",
      "/io?ms=                  | 'ms' must be a whole number",
      "/io?ms=abc               | 'ms' must be a whole number from 0 to 999, was 'abc'",
      "/io?ms=-1                | 'ms' must be from 0 to 999, was -1",
      "/io?ms=1000              | 'ms' must be from 0 to 999, was 1000",
      "/io?ms=1&ms=2            | 'ms' given 2 times",
      "/cpu?n=0                 | 'n' must be from 1 to 1000000000, was 0",
      "/cpu?n=1000000001        | 'n' must be from 1 to 1000000000, was 1000000001",
      "/cpu?n=99999999999999999999 | 'n' must be a whole number",
      "/cpu?n=2.5               | 'n' must be a whole number",
      "/burn?ms=0               | 'ms' must be from 1 to 1000, was 0",
      "/burn?ms=1001            | 'ms' must be from 1 to 1000, was 1001",
      "/mixed?ms=5              | missing query parameter 'n'",
      "/mixed?n=5               | missing query parameter 'ms'",
  })
  void badParametersGet400WithOneLineOfJson(String path, String reason) {
    for (String handlers : List.of("hybrid", "threads")) {
      var res = get("/" + handlers + path);
      assertThat(res.status()).as(path).isEqualTo(Status.BAD_REQUEST_400);
      assertThat(res.headers().contentType().orElseThrow().text()).startsWith("application/json");
      assertThat(res.entity()).startsWith("{\"error\":\"").endsWith(",\"status\":400}")
          .contains(reason).doesNotContain("\n");
    }
    assertThat(get("/hybrid/cpu?n=3").status()).as("the server serves on").isEqualTo(Status.OK_200);
  }

  // ------------------------------------------------------------------ faults

  @Test
  void aFullCpuPoolAnswers503WithRetryAfterAndQueuesNothing() throws Exception {
    try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<ClientResponseTyped<String>>> holders = new ArrayList<>();
      for (int i = 0; i < CORES; i++) { // exactly fills the pool: CORES running, no queue
        holders.add(callers.submit(() -> get("/tight/burn?ms=1000")));
      }
      awaitTrue("the tight pool runs " + CORES + " burns", () -> tight.pool().stats().running() == CORES);

      var rejected = get("/tight/burn?ms=1");
      assertThat(rejected.status()).isEqualTo(Status.SERVICE_UNAVAILABLE_503);
      assertThat(rejected.headers().first(HeaderNames.RETRY_AFTER)).hasValue("1");
      assertThat(rejected.entity()).startsWith("{\"error\":\"the cpu pool is full").endsWith("\"status\":503}");
      PoolStats stats = tight.pool().stats();
      assertThat(stats.queued()).as("nothing queues beyond the bound").isZero();
      assertThat(stats.rejected()).isGreaterThanOrEqualTo(1);

      for (Future<ClientResponseTyped<String>> holder : holders) {
        assertThat(holder.get().status()).as("the held requests complete").isEqualTo(Status.OK_200);
      }
    }
    assertThat(get("/tight/burn?ms=1").status()).as("room again").isEqualTo(Status.OK_200);
  }

  @Test
  void aRequestPastItsDeadlineGets504AndItsWorkIsCancelled() {
    long cancelledBefore = shortDeadline.cancelledWork();
    long timedOutBefore = shortDeadline.pool().stats().timedOut();

    var res = get("/short/burn?ms=1000"); // a second of CPU against a 300 ms deadline
    assertThat(res.status()).isEqualTo(Status.GATEWAY_TIMEOUT_504);
    assertThat(res.entity()).isEqualTo(
        "{\"error\":\"the request took longer than its 300 ms deadline and was cancelled\",\"status\":504}");
    // the task ended TIMED_OUT and the burn loop saw the interrupt and stopped
    awaitTrue("the burn stops", () -> shortDeadline.cancelledWork() == cancelledBefore + 1);
    assertThat(shortDeadline.pool().stats().timedOut()).isEqualTo(timedOutBefore + 1);
    awaitTrue("the CPU pool is idle again", () -> shortDeadline.pool().stats().running() == 0);
  }

  @Test
  void aSlowUpstreamGets504() {
    var res = get("/short/io?ms=900");
    assertThat(res.status()).isEqualTo(Status.GATEWAY_TIMEOUT_504);
    assertThat(res.entity()).contains("300 ms deadline");
    assertThat(get("/hybrid/io?ms=0").status()).as("the server serves on").isEqualTo(Status.OK_200);
  }

  @Test
  void anUnreachableUpstreamGets502WithTheReason() {
    for (String path : List.of("/dead/io?ms=1", "/dead/mixed?ms=1&n=10")) {
      var res = get(path);
      assertThat(res.status()).as(path).isEqualTo(Status.BAD_GATEWAY_502);
      assertThat(res.entity()).startsWith("{\"error\":\"upstream http://127.0.0.1:")
          .contains("/delay/001 unreachable: ConnectException").endsWith("\"status\":502}");
    }
    assertThat(get("/hybrid/io?ms=1").status()).as("the server serves on").isEqualTo(Status.OK_200);
  }

  @Test
  void aFailingUpstreamGets502WithItsStatus() {
    var res = get("/failing/io?ms=7");
    assertThat(res.status()).isEqualTo(Status.BAD_GATEWAY_502);
    assertThat(res.entity()).contains("/delay/007 answered 500 instead of 200");
  }

  private static void awaitTrue(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + LONG.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() < deadline).as("waited %s for: %s", LONG, what).isTrue();
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }
}
