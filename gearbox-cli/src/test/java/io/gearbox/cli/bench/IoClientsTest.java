package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gearbox.cli.bench.BenchCommandTest.Result;
import io.gearbox.examples.LatencyServer;
import io.gearbox.testing.Leaks;
import io.gearbox.testing.Delays;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code gearbox bench io}'s HTTP clients and comparisons side by side, at a few tasks each:
 * {@code --client apache}, {@code --server nginx} (the system's nginx, started and stopped by the
 * bench) and the {@code aiohttp} strategy (the seed's asyncio in a Python child). Every fetch is
 * counted by the server, so a client that skipped or repeated one fails; no timing is asserted.
 * nginx, its echo module and python3-aiohttp are Debian packages that {@code ./gearbox test}
 * installs; without them those tests are skipped with the reason.
 */
@ExtendWith(Leaks.class)
class IoClientsTest {

  @TempDir Path dir;

  private static Result run(String... args) {
    return BenchCommandTest.run(args);
  }

  @Test
  void everyClientFetchesEachUrlOncePerTask() throws Exception {
    for (String client : List.of("urlconnection", "httpclient", "apache", "raw")) {
      try (LatencyServer server = LatencyServer.start(Duration.ofMillis(5))) {
        String url = server.uri() + "?ms=1&bytes=300";
        Path json = dir.resolve(client + ".json");
        Result r = run("bench", "io", "--url", url, "--tasks", "6", "--client", client,
            "--strategies", "virtual", "--runs", "2", "--warmup", "1", "--json", json.toString());
        assertThat(r.code()).as(client + ": " + r.err()).isEqualTo(0);
        JsonNode doc = BenchCommandTest.read(json);
        assertThat(doc.path("params").path("client").asString()).isEqualTo(client);
        JsonNode row = doc.path("results").get(0);
        assertThat(row.path("ok").asInt()).as(client).isEqualTo(6);
        // one check before the runs, one fetch on the child's main thread before its warm-up,
        // then 6 fetches in each of its warm-ups (1, and more while its JIT compiled) + 2 runs
        int warmups = row.path("warmup_runs").asInt();
        assertThat(warmups).as(client).isGreaterThanOrEqualTo(1);
        assertThat(server.served()).as(client).isEqualTo(1 + 1 + 6 * (warmups + 2));
      }
    }
  }

  @Test
  void theDefaultClientIsApacheAndTheHelpSaysWhy() {
    assertThat(IoBench.DEFAULT_CLIENT).isEqualTo("apache");
    Result help = run("bench", "io", "--help");
    assertThat(help.code()).isEqualTo(0);
    String text = help.out().replaceAll("\\s+", " ");
    assertThat(text).contains("apache (Apache HttpClient 5, classic blocking API, one shared "
        + "client; the default").contains("(default: apache)");
    assertThat(text).contains("compiled for at most 10% of their time), for up to 60 s;")
        .doesNotContain("%%");
  }

  @Test
  void badServerBacklogOrPythonIsAUsageError() {
    for (String[] args : List.of(
        new String[] {"bench", "io", "--server", "apache"},
        new String[] {"bench", "io", "--server", "nginx", "--backlog", "0"},
        new String[] {"bench", "io", "--server", "nginx", "--backlog", "70000"},
        new String[] {"bench", "io", "--strategies", "aiohttp", "--python", " "},
        new String[] {"bench", "io", "--client", "okhttp"})) {
      Result r = run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", args)).contains("Usage:");
      assertThat(r.out()).as(String.join(" ", args)).isEmpty();
    }
    assertThat(run("bench", "io", "--client", "okhttp").err())
        .contains("unknown --client 'okhttp'; choose apache, urlconnection, httpclient or raw");
  }

  @Test
  void aiohttpRunsOnlyWhenNamed() throws Exception {
    Path json = dir.resolve("default.json");
    Result r = run("bench", "io", "--tasks", "2", "--latency-ms", "1", "--runs", "1",
        "--warmup", "0", "--strategies", "virtual", "--json", json.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    assertThat(new IoBench().defaultStrategies()).doesNotContain("aiohttp").contains("virtual");
    assertThat(new IoBench().strategies()).contains("aiohttp");
  }

  @Test
  void missingPythonIsOneFailureLineAndExit1() {
    Result r = run("bench", "io", "--tasks", "2", "--latency-ms", "1", "--runs", "1",
        "--warmup", "0", "--strategies", "virtual,aiohttp", "--python",
        dir.resolve("no-such-python").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("gearbox: bench io: aiohttp failed: could not start its Python")
        .contains("no-such-python").doesNotContain("\tat ");
    assertThat(r.out()).contains("virtual"); // the other strategy still ran and is reported
  }

  @Test
  void aiohttpIsTheBaselineBesideTheJvmStrategies() throws Exception {
    String python = pythonWithAiohttp();
    assumeTrue(python != null, "no python3 with aiohttp (./gearbox test installs python3-aiohttp)");
    try (LatencyServer server = LatencyServer.start(Duration.ofMillis(5))) {
      String url = server.uri() + "?ms=1&bytes=300";
      Path json = dir.resolve("aiohttp.json");
      Result r = run("bench", "io", "--url", url, "--tasks", "7", "--strategies",
          "virtual,aiohttp", "--python", python, "--runs", "2", "--warmup", "1",
          "--json", json.toString());
      assertThat(r.code()).as(r.err()).isEqualTo(0);
      JsonNode doc = BenchCommandTest.read(json);
      assertThat(BenchCommandTest.strategies(doc)).containsExactly("virtual", "aiohttp");
      for (JsonNode row : doc.path("results")) {
        assertThat(row.path("ok").asInt()).isEqualTo(7);
        assertThat(row.path("baseline").asString()).isEqualTo("aiohttp");
        assertThat(row.path("runs_s")).hasSize(2);
        assertThat(row.path("peak_rss_mb").asDouble()).isPositive();
        assertThat(row.path("cpu_s").asDouble()).isPositive();
      }
      // the check, the JVM child's one fetch before its warm-up (aiohttp's child has none), 7 per
      // run: the JVM's warm-ups (1, and more while its JIT compiled), aiohttp's 1 (no JIT to
      // wait for), 2 runs each
      int jvmWarmups = doc.path("results").get(0).path("warmup_runs").asInt();
      assertThat(jvmWarmups).isGreaterThanOrEqualTo(1);
      assertThat(doc.path("results").get(1).path("warmup_runs").asInt()).isEqualTo(1);
      assertThat(server.served()).isEqualTo(1 + 1 + 7 * ((jvmWarmups + 2) + (1 + 2)));
    }
  }

  @Test
  void nginxIsStartedForTheRunAndStoppedAfter() throws Exception {
    assumeTrue(nginxWithEcho(), "no nginx with the echo module (./gearbox test installs "
        + "nginx and libnginx-mod-http-echo)");
    Path json = dir.resolve("nginx.json");
    Result r = run("bench", "io", "--server", "nginx", "--tasks", "8", "--latency-ms", "30",
        "--bytes", "500", "--client", "apache", "--strategies", "virtual,jdk", "--runs", "2",
        "--warmup", "1", "--json", json.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    JsonNode doc = BenchCommandTest.read(json);
    assertThat(doc.path("params").path("server").asString()).startsWith("nginx");
    for (JsonNode row : doc.path("results")) {
      assertThat(row.path("ok").asInt()).isEqualTo(8);
      // each fetch waited for nginx's echo_sleep of 30 ms: a run cannot be faster
      assertThat(row.path("wall_s").path("min").asDouble()).isGreaterThanOrEqualTo(0.030);
    }
    // Leaks then checks that no nginx master or worker is left
  }

  @Test
  void nginxConfigListensOnLoopbackWithTheAskedBacklog() {
    String conf = NginxServer.config(Path.of("/tmp/x"), "/m/echo.so", 4321, 100, 1256, 10_000,
        4096, 20_000);
    assertThat(conf).contains("listen 127.0.0.1:4321 backlog=4096;")
        .contains("load_module /m/echo.so;")
        .contains("worker_connections 10512; }").doesNotContain("multi_accept")
        // 2 x 10,000 + 1024 wanted, capped at the hard limit nginx inherits
        .contains("worker_rlimit_nofile 20000;")
        .contains("location = /delay/100 {")
        .contains("echo_sleep 0.100;")
        .contains("echo_duplicate 1256 \"x\";")
        .contains("daemon off;");
    // nginx's own default is left unsaid, as a user's config would
    assertThat(NginxServer.config(Path.of("/tmp/x"), null, 4321, 100, 0, 10, 511, -1))
        .contains("listen 127.0.0.1:4321;").doesNotContain("load_module")
        .doesNotContain("echo_duplicate").contains("worker_rlimit_nofile 1044;");
  }

  @Test
  void nginxOpenFilesStayWithinTheInheritedHardLimit() {
    assertThat(NginxServer.openFilesLimit(10_000, 20_000)).isEqualTo(20_000);
    assertThat(NginxServer.openFilesLimit(10_000, 1_048_576)).isEqualTo(21_024);
    assertThat(NginxServer.openFilesLimit(10_000, -1)).isEqualTo(21_024);
    long hard = NginxServer.openFilesHardLimit(); // this JVM's, from /proc/self/limits
    assertThat(hard == -1 || hard >= 1).as("hard limit %d", hard).isTrue();
  }

  @Test
  void whatNginxLoggedIsOneWarningWithTheFirstLines() {
    assertThat(IoBench.nginxWarning(List.of("a [alert] worker_connections are not enough")))
        .isEqualTo("warning: nginx logged 1 line during the runs (its limits, not the client's, "
            + "may have set the times):\n  a [alert] worker_connections are not enough");
    String many = IoBench.nginxWarning(List.of("1", "2", "3", "4", "5"));
    assertThat(many).startsWith("warning: nginx logged 5 lines").contains("\n  3")
        .doesNotContain("\n  4").endsWith("\n  ...");
  }

  /**
   * Each run of bench io starts with no connection open, as the seed's asyncio opens one
   * ClientSession per run: within a run the shared clients reuse their connections (keep-alive),
   * and {@link Tasks#closeClients()} closes them all, so the next fetch connects again.
   */
  @Test
  void closingTheSharedClientsClosesTheirConnectionsAndTheNextFetchConnectsAgain()
      throws Exception {
    for (Tasks.Client client : List.of(Tasks.Client.APACHE, Tasks.Client.HTTPCLIENT)) {
      try (KeepAliveServer server = new KeepAliveServer()) {
        URI uri = server.uri();
        for (int i = 0; i < 3; i++) {
          assertThat(new Tasks.Fetch(uri, client).call()).as(client.label()).isEqualTo(2);
        }
        assertThat(server.accepted.get()).as(client.label() + ": one kept-alive connection")
            .isEqualTo(1);
        Tasks.closeClients();
        assertThat(server.closedByClient.tryAcquire(Delays.LONG.toMillis(),
            TimeUnit.MILLISECONDS)).as(client.label() + ": the client closed its connection")
            .isTrue();
        assertThat(new Tasks.Fetch(uri, client).call()).isEqualTo(2);
        assertThat(server.accepted.get()).as(client.label() + ": connected again").isEqualTo(2);
        Tasks.closeClients();
        assertThat(server.closedByClient.tryAcquire(Delays.LONG.toMillis(),
            TimeUnit.MILLISECONDS)).isTrue();
        assertThat(server.failure.get()).isNull();
      }
    }
    Tasks.closeClients(); // nothing left to close: a no-op
  }

  /**
   * A minimal HTTP/1.1 server that keeps connections alive and counts them: each request gets
   * {@code ok} with a Content-Length; a connection the client closes releases a permit.
   */
  private static final class KeepAliveServer implements AutoCloseable {
    final java.util.concurrent.atomic.AtomicInteger accepted =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.Semaphore closedByClient = new java.util.concurrent.Semaphore(0);
    final java.util.concurrent.atomic.AtomicReference<Throwable> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    private final java.net.ServerSocket listener = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress());
    private final java.util.List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.List<java.net.Socket> sockets =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread acceptor;

    KeepAliveServer() throws java.io.IOException {
      acceptor = Thread.ofPlatform().name("keep-alive-server-accept").start(this::acceptLoop);
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/");
    }

    private void acceptLoop() {
      while (!listener.isClosed()) {
        try {
          java.net.Socket s = listener.accept();
          accepted.incrementAndGet();
          sockets.add(s);
          threads.add(Thread.ofPlatform().name("keep-alive-server-conn").start(() -> serve(s)));
        } catch (java.io.IOException e) {
          return; // closed
        }
      }
    }

    private void serve(java.net.Socket s) {
      try (s) {
        java.io.InputStream in = s.getInputStream();
        java.io.OutputStream out = s.getOutputStream();
        int matched = 0;
        for (int b; (b = in.read()) >= 0; ) {
          matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
          if (matched == 4) { // end of a request's head (GETs carry no body)
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            matched = 0;
          }
        }
        closedByClient.release(); // end of stream: the client closed the connection
      } catch (java.io.IOException e) {
        if (!listener.isClosed()) {
          failure.compareAndSet(null, e);
        }
      }
    }

    @Override
    public void close() throws Exception {
      listener.close();
      acceptor.join();
      for (java.net.Socket s : sockets) {
        s.close();
      }
      for (Thread t : threads) {
        t.join();
      }
    }
  }

  @Test
  void externalServersGetTheLargerHeap() throws Exception {
    try (LatencyServer server = LatencyServer.start(Duration.ofMillis(1))) {
      Path own = dir.resolve("own.json");
      Path external = dir.resolve("external.json");
      assertThat(run("bench", "io", "--tasks", "2", "--latency-ms", "1", "--strategies", "virtual",
          "--runs", "1", "--warmup", "0", "--json", own.toString()).code()).isEqualTo(0);
      assertThat(run("bench", "io", "--url", server.uri() + "?ms=1", "--tasks", "2",
          "--strategies", "virtual", "--runs", "1", "--warmup", "0", "--json",
          external.toString()).code()).isEqualTo(0);
      assertThat(BenchCommandTest.read(own).path("params").path("jvm_args").toString())
          .contains("-Xmx192m");
      assertThat(BenchCommandTest.read(external).path("params").path("jvm_args").toString())
          .contains("-Xmx1g").contains("-Xmn768m");
    }
  }

  /** A python that imports aiohttp: python3 on the PATH, else Debian's. */
  static String pythonWithAiohttp() {
    for (String python : List.of("python3", "/usr/bin/python3")) {
      try {
        Process p = new ProcessBuilder(python, "-c", "import aiohttp")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return python;
        }
        p.destroyForcibly().waitFor();
      } catch (Exception e) {
        // try the next one
      }
    }
    return null;
  }

  static boolean nginxWithEcho() {
    boolean nginx = Files.isExecutable(Path.of("/usr/sbin/nginx"))
        || System.getenv("PATH") != null && java.util.Arrays.stream(
            System.getenv("PATH").split(java.io.File.pathSeparator))
            .anyMatch(p -> Files.isExecutable(Path.of(p, "nginx")));
    return nginx && Files.isRegularFile(Path.of("/usr/lib/nginx/modules/ngx_http_echo_module.so"));
  }
}
