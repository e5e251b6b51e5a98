package io.gearbox.cli.bench;

import io.gearbox.examples.LatencyServer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ObjectNode;

/** {@code gearbox bench io}: the seed's "fetch N URLs" experiment. */
@Command(
    name = "io",
    mixinStandardHelpOptions = true,
    header = "Fetches N URLs, each answered after MS milliseconds.",
    description = {
      "%nStrategies: sequential (one after another), threads (Gearbox.threads(T)), virtual",
      "(Gearbox.virtual()), jdk (Executors.newVirtualThreadPerTaskExecutor() by hand), and",
      "processes/auto where those pools exist. All tasks are submitted at once, then waited for.",
      "aiohttp (named in --strategies) runs the seed's asyncio + aiohttp fetch in Python, with an",
      "unlimited connector, in the same interleaved rounds (needs python3 with aiohttp).",
      "Without --url a server on 127.0.0.1 answers after --latency-ms: the bench's own (in this",
      "JVM), or with --server nginx the system's nginx, started and stopped by the bench;",
      "with --url that URL is fetched exactly as given, N times.%n",
    })
final class IoBench extends WorkloadBench {

  /** Sequential runs longer than this are left out unless asked for by name. */
  static final Duration SEQUENTIAL_LIMIT = Duration.ofSeconds(30);

  @Option(names = "--tasks", paramLabel = "N", defaultValue = "10",
      description = "URLs to fetch per run (default: ${DEFAULT-VALUE}).")
  int tasks;

  @Option(names = "--latency-ms", paramLabel = "MS", defaultValue = "100",
      description = "How long the local server takes to answer (default: ${DEFAULT-VALUE}).")
  long latencyMs;

  @Option(names = "--url", paramLabel = "URL",
      description = "Fetch this URL instead of starting a local server.")
  String url;

  /**
   * The default client: Apache HttpClient 5 (classic API) on the strategy's threads, what
   * docs/benchmarks.md recommends to users who fetch thousands of URLs. Measured against nginx,
   * 10,000 fetches at once, alternated with the others: the least memory of the real clients,
   * wall and CPU time level with HttpURLConnection's when each run opens its own connections,
   * and its pool keeps connections alive between batches when a user's code lets it (see
   * docs/benchmarks.md, "Which client is the default").
   */
  static final String DEFAULT_CLIENT = "apache";

  @Option(names = "--client", paramLabel = "CLIENT", defaultValue = DEFAULT_CLIENT,
      description = "HTTP client: apache (Apache HttpClient 5, classic blocking API, one shared "
          + "client; the default: against nginx it needed the least memory of the real "
          + "clients and no more time than HttpURLConnection), urlconnection (the JDK's "
          + "HttpURLConnection, as the seed's requests.get), httpclient "
          + "(java.net.http.HttpClient) or raw (a bare GET over a socket: the floor) "
          + "(default: ${DEFAULT-VALUE}).")
  String client;

  @Option(names = "--threads", paramLabel = "T",
      description = "Threads of the threads strategy (default: one per task, at most 1000).")
  Integer threads;

  @Option(names = "--server", paramLabel = "KIND", defaultValue = "lean",
      description = "Local server: lean (the bench's own, light on CPU), jdk (the examples' "
          + "LatencyServer on com.sun.net.httpserver) or nginx (the system's, with the echo "
          + "module: an external server in its own processes) (default: ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--backlog", paramLabel = "N", defaultValue = "4096",
      description = "Listen backlog of --server nginx (default: ${DEFAULT-VALUE}; nginx's own "
          + "default is 511, which a burst of 10,000 connects overflows; the kernel caps it at "
          + "net.core.somaxconn).")
  int backlog;

  @Option(names = "--python", paramLabel = "CMD", defaultValue = "python3",
      description = "Python of the aiohttp strategy (default: ${DEFAULT-VALUE}).")
  String python;

  @Option(names = "--bytes", paramLabel = "B", defaultValue = "1256",
      description = "Body size the local server sends (default: ${DEFAULT-VALUE}, about "
          + "example.com's).")
  int bytes;

  private URI target;
  private Tasks.Client parsedClient;

  @Override
  String workload() {
    return "io";
  }

  @Override
  List<String> strategies() {
    return concat(List.of("sequential", "threads", "virtual"), optionalPoolStrategies(), "jdk",
        AIOHTTP);
  }

  /** Every strategy but aiohttp, which needs Python and runs only when named. */
  @Override
  List<String> defaultStrategies() {
    return strategies().stream().filter(s -> !s.equals(AIOHTTP)).toList();
  }

  /** The strategy that runs the seed's asyncio + aiohttp fetch in a Python child. */
  static final String AIOHTTP = "aiohttp";

  /**
   * 192 MB against the bench's own servers ({@code Connection: close}: ~13 KB live per fetch in
   * flight). Against an external one ({@code --url}, {@code --server nginx}: keep-alive, chunked
   * answers) a 1 GB heap with a 768 MB young generation, so that one run's garbage fits in eden
   * and no collection stops the run: a run of 10,000 fetches against nginx allocates 300-400 MB
   * with Apache HttpClient and 420-470 MB with HttpURLConnection (read off {@code -Xlog:gc}), with
   * 70-210 MB of it live while the fetches are in flight. With {@code -Xmx512m} every run had 2-3
   * young collections copying that live set, 150-540 ms of pauses in a run of about 1 s, and the
   * runs spread from 0.69 to 1.73 s; with the young generation sized for a run there were none,
   * and the next run's {@code System.gc()} (outside the timed region, as for every strategy)
   * finds only garbage. Under 192 MB the urlconnection runs were mostly full GCs (32 in 5 runs,
   * 5.6 s median against 2.5 s). The cost is resident memory: the peak RSS column rises to what
   * the eden touched (~470-570 MB). Against its own server it keeps 192m: more cost ~110 MB of
   * RSS for nothing.
   */
  @Override
  String defaultJvmArgs() {
    return url != null || server.equals("nginx") ? EXTERNAL_SERVER_JVM_ARGS
        : "-XX:+UseSerialGC -Xmx192m";
  }

  /** The children's JVM flags against an external server: see {@link #defaultJvmArgs()}. */
  static final String EXTERNAL_SERVER_JVM_ARGS = "-XX:+UseSerialGC -Xmx1g -Xmn768m";

  /** Largest --latency-ms accepted: one hour. */
  static final long MAX_LATENCY_MS = 3_600_000;

  /** Largest --bytes accepted: 64 MiB, what the bench's server sends at most. */
  static final long MAX_BODY_BYTES = 64L << 20;

  @Override
  void validate() {
    limit("--tasks", tasks, Limits.MAX_CONCURRENT_TASKS);
    if (latencyMs < 0 || latencyMs > MAX_LATENCY_MS) {
      throw usage("--latency-ms must be 0 to " + MAX_LATENCY_MS + ", was " + latencyMs);
    }
    if (bytes < 0 || bytes > MAX_BODY_BYTES) {
      throw usage("--bytes must be 0 to " + MAX_BODY_BYTES + " (64 MiB), was " + bytes);
    }
    if (threads != null) {
      limit("--threads", threads, Limits.MAX_THREADS);
    }
    try {
      parsedClient = Tasks.Client.parse(client);
    } catch (IllegalArgumentException e) {
      throw usage("unknown --client '" + client + "'; choose apache, urlconnection, httpclient "
          + "or raw");
    }
    if (!server.equals("lean") && !server.equals("jdk") && !server.equals("nginx")) {
      throw usage("unknown --server '" + server + "'; choose lean, jdk or nginx");
    }
    if (backlog < 1 || backlog > 65_535) {
      throw usage("--backlog must be 1 to 65535, was " + backlog);
    }
    if (python.isBlank()) {
      throw usage("--python names no command");
    }
    if (url != null) {
      try {
        URI uri = new URI(url);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
          throw usage("--url must be an http:// or https:// URL, was '" + url + "'");
        }
        if (parsedClient == Tasks.Client.RAW && scheme.equals("https")) {
          throw usage("--client raw speaks plain http only");
        }
        target = uri;
      } catch (URISyntaxException e) {
        throw usage("--url is not a URL: " + e.getMessage());
      }
    }
  }

  private int threadCount() {
    return threads != null ? threads : Math.min(tasks, 1000);
  }

  @Override
  ObjectNode params() {
    ObjectNode p = Report.JSON.createObjectNode();
    p.put("tasks", tasks);
    p.put("url_given", url != null);
    if (url != null) {
      p.put("url", url);
      p.putNull("latency_ms");
      p.putNull("server");
    } else {
      p.put("latency_ms", latencyMs);
      p.put("bytes", bytes);
      p.put("server", switch (server) {
        case "lean" -> "gearbox bench's own, on 127.0.0.1 in the parent JVM";
        case "jdk" -> "examples LatencyServer (com.sun.net.httpserver), on 127.0.0.1 in the parent JVM";
        default -> "nginx with the echo module, on 127.0.0.1 in its own processes, backlog "
            + backlog;
      });
    }
    p.put("client", parsedClient.label());
    p.put("threads", threadCount());
    p.put("jdk", "Executors.newVirtualThreadPerTaskExecutor()");
    return p;
  }

  @Override
  List<Job> jobs(List<String> chosen, int warmup, int runs) {
    List<Job> jobs = new ArrayList<>();
    for (String strategy : chosen) {
      if (strategy.equals("sequential") && url == null && !explicitlyChosen("sequential")
          && Duration.ofMillis(latencyMs).multipliedBy(tasks).compareTo(SEQUENTIAL_LIMIT) > 0) {
        notes.add(String.format(Locale.ROOT,
            "sequential left out: %d x %d ms is over %d s a run (name it in --strategies to run "
                + "it anyway); speedups are against jdk", tasks, latencyMs,
            SEQUENTIAL_LIMIT.toSeconds()));
        continue;
      }
      Map<String, String> params = new LinkedHashMap<>();
      params.put("tasks", String.valueOf(tasks));
      if (strategy.equals(AIOHTTP)) {
        params.put("python", python); // the harness runs the script, not a JVM
        jobs.add(new Job("fetch", strategy, params, warmup, runs, false));
        continue;
      }
      params.put("client", parsedClient.label());
      params.put("threads", String.valueOf(threadCount()));
      jobs.add(new Job("fetch", strategy, params, warmup, runs, false));
    }
    return jobs;
  }

  @Override
  AutoCloseable prepare() throws Unavailable {
    AutoCloseable script = null;
    if (explicitlyChosen(AIOHTTP)) {
      script = extractScript();
    }
    AutoCloseable server;
    try {
      server = prepareServer();
    } catch (Unavailable e) {
      closeQuietly(script);
      throw e;
    }
    if (script == null) {
      return server;
    }
    AutoCloseable s = script;
    return () -> {
      try {
        closeQuietly(s);
      } finally {
        if (server != null) {
          server.close();
        }
      }
    };
  }

  private Path scriptFile;

  /** Copies the aiohttp child's script out of the jar; closing deletes it. */
  private AutoCloseable extractScript() throws Unavailable {
    try (java.io.InputStream in = IoBench.class.getResourceAsStream(SCRIPT)) {
      if (in == null) {
        throw new Unavailable("the aiohttp script " + SCRIPT + " is missing from the build");
      }
      scriptFile = Files.createTempFile("gearbox-aiohttp-", ".py");
      scriptFile.toFile().deleteOnExit(); // also when the bench is stopped by a signal
      Files.write(scriptFile, in.readAllBytes());
    } catch (java.io.IOException e) {
      throw new Unavailable("could not write the aiohttp script: " + e.getMessage());
    }
    Path file = scriptFile;
    return () -> Files.deleteIfExists(file);
  }

  /** The seed's asyncio + aiohttp fetch, speaking the bench child's protocol. */
  static final String SCRIPT = "aiohttp_fetch.py";

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      // a temp file left behind
    }
  }

  private AutoCloseable prepareServer() throws Unavailable {
    if (target != null) {
      try {
        new Tasks.Fetch(target, parsedClient).call();
      } catch (RuntimeException e) {
        throw new Unavailable("cannot reach --url " + url + ": " + reason(e));
      }
      setUrl(target.toString());
      return null;
    }
    try {
      if (server.equals("jdk")) {
        LatencyServer s = LatencyServer.start(Duration.ofMillis(latencyMs));
        setUrl(s.uri() + "?ms=" + latencyMs + "&bytes=" + bytes);
        return s;
      }
      if (server.equals("nginx")) {
        NginxServer s = NginxServer.start(latencyMs, bytes, tasks, backlog);
        setUrl(s.uri().toString());
        return () -> {
          List<String> complaints = s.complaints();
          s.close();
          if (!complaints.isEmpty()) {
            spec.commandLine().getErr().println(nginxWarning(complaints));
          }
        };
      }
      BenchServer s = BenchServer.start(latencyMs, bytes);
      setUrl(s.uri().toString());
      return s;
    } catch (java.io.IOException e) {
      throw new Unavailable("could not start the local latency server: " + e.getMessage());
    }
  }

  /** One warning for what nginx logged during the runs: how many lines, the first few. */
  static String nginxWarning(List<String> complaints) {
    StringBuilder w = new StringBuilder("warning: nginx logged ").append(complaints.size())
        .append(complaints.size() == 1 ? " line" : " lines")
        .append(" during the runs (its limits, not the client's, may have set the times):");
    complaints.stream().limit(3).forEach(l -> w.append("\n  ").append(l));
    if (complaints.size() > 3) {
      w.append("\n  ...");
    }
    return w.toString();
  }

  private String resolvedUrl;

  private void setUrl(String u) {
    resolvedUrl = u;
  }

  /** The child needs the URL, known only once the server is up: jobs read it lazily. */
  @Override
  List<Job> resolve(List<Job> jobs) {
    return jobs.stream().map(j -> j.withParams(j.strategy().equals(AIOHTTP)
        ? Map.of("url", resolvedUrl, "script", scriptFile.toString())
        : Map.of("url", resolvedUrl))).toList();
  }

  private static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}
