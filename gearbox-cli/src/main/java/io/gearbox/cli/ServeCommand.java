package io.gearbox.cli;

import io.gearbox.web.serve.DelayServer;
import io.gearbox.web.serve.Handlers;
import io.gearbox.web.serve.HybridServer;
import io.gearbox.web.serve.HybridService;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gearbox serve}: the seed's production hybrid as a running server (see docs/serve.md):
 * virtual-thread request handlers that wait on an upstream, CPU work handed to the CPU pool, the
 * pools' dashboard at {@code /}.
 *
 * <p>SIGTERM (or Ctrl-C) stops it: the listening socket closes at once, requests in flight get
 * {@code --grace} to finish, the pools close, and the command exits 0.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    header = "Runs the seed's hybrid service: virtual-thread handlers, CPU work on the CPU pool.",
    description = {
      "%nRoutes: GET /io?ms=50 fetches <upstream>/delay/050; /cpu?n=200000 is sum(range(n));",
      "/burn?ms=2 burns that much CPU time; /mixed?ms=50&n=200000 fetches, then sums. The pools'",
      "dashboard is at /. Without --upstream an embedded latency server on 127.0.0.1 answers.",
      "Answers: 400 for a bad parameter, 503 with Retry-After when the pool is full, 504 past",
      "--request-timeout (the task is cancelled), 502 when the upstream fails. SIGTERM or",
      "Ctrl-C: stop accepting, finish requests in flight within --grace, close the pools, exit 0.%n",
    })
public final class ServeCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
      description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  private int port;

  @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address to listen on; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE}).")
  private String host;

  @Option(names = "--upstream", paramLabel = "URL",
      description = "Base URL fetched by /io and /mixed (<URL>/delay/<ms>); default: an embedded "
          + "latency server on 127.0.0.1.")
  private String upstream;

  @Option(names = "--handlers", paramLabel = "KIND", defaultValue = "hybrid",
      description = "hybrid (CPU work on the CPU pool), virtual (all on virtual threads), threads "
          + "(200 platform threads), auto (the auto pool routes) (default: ${DEFAULT-VALUE}).")
  private String handlers;

  @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "10s",
      converter = Durations.class,
      description = "Deadline of each request: 504 past it, its task cancelled (default: ${DEFAULT-VALUE}).")
  private Duration requestTimeout;

  @Option(names = "--queue", paramLabel = "N", defaultValue = "" + HybridService.DEFAULT_QUEUE,
      description = "Requests that may wait for a CPU (or platform) thread; more get 503 "
          + "(default: ${DEFAULT-VALUE}).")
  private int queue;

  @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "10s", converter = Durations.class,
      description = "On SIGTERM, how long requests in flight may take to finish (default: ${DEFAULT-VALUE}).")
  private Duration grace;

  /**
   * Helidon's start and stop lines go to the log at INFO, a failed bind at SEVERE with a stack
   * trace; the command prints its own lines, and a failed start as one line.
   */
  private static final java.util.logging.Logger HELIDON_LOG = java.util.logging.Logger.getLogger("io.helidon");
  private static final List<java.util.logging.Logger> HELIDON_START_LOGS = List.of(
      java.util.logging.Logger.getLogger("io.helidon.webserver.LoomServer"),
      java.util.logging.Logger.getLogger("io.helidon.webserver.ServerListener"));

  @Override
  public Integer call() throws InterruptedException {
    Handlers kind = validate();
    HELIDON_LOG.setLevel(java.util.logging.Level.WARNING);
    URI upstreamUri = upstream == null ? null : upstreamUri();
    PrintWriter out = spec.commandLine().getOut();
    DelayServer embedded = upstreamUri == null ? DelayServer.start() : null;
    try {
      URI target = embedded != null ? embedded.uri() : upstreamUri;
      HybridService service = HybridService.builder(target).handlers(kind)
          .requestTimeout(requestTimeout).queue(queue).build();
      HybridServer server;
      HELIDON_START_LOGS.forEach(log -> log.setLevel(java.util.logging.Level.OFF));
      try {
        server = HybridServer.start(service, host, port, grace);
      } finally {
        HELIDON_START_LOGS.forEach(log -> log.setLevel(null));
      }
      onSignals(server);
      out.printf("gearbox serve: %s handlers on http://%s:%d/ (the dashboard is at /)%n",
          kind.label(), host, server.port());
      out.printf("  upstream: %s%s%n", service.upstream(), embedded != null
          ? " (embedded latency server started by gearbox serve on 127.0.0.1: no --upstream given)" : "");
      out.printf("  routes: /io?ms=50  /cpu?n=200000  /burn?ms=2  /mixed?ms=50&n=200000%n");
      out.printf("  request timeout %d ms, CPU queue %d; SIGTERM or Ctrl-C stops (in-flight requests get %d ms)%n",
          requestTimeout.toMillis(), queue, grace.toMillis());
      out.flush();
      server.awaitStop();
      out.println("gearbox serve: stopped (requests in flight finished, pools closed)");
      out.flush();
      return 0;
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  private Handlers validate() {
    if (port < 0 || port > 65_535) {
      throw usage("--port must be from 0 to 65535, was " + port);
    }
    if (requestTimeout.isZero()) {
      throw usage("--request-timeout must be more than 0");
    }
    if (queue < 0) {
      throw usage("--queue must be 0 or more, was " + queue);
    }
    try {
      return Handlers.parse(handlers);
    } catch (IllegalArgumentException e) {
      throw usage("--handlers: " + e.getMessage());
    }
  }

  private URI upstreamUri() {
    try {
      URI uri = new URI(upstream);
      HybridService.builder(uri); // the same check the service makes, as a usage error
      return uri;
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw usage("--upstream must be an http:// or https:// URL, was '" + upstream + "'");
    }
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  /** SIGTERM and SIGINT stop the server gracefully instead of running shutdown hooks at once. */
  @SuppressWarnings("removal")
  private static void onSignals(HybridServer server) {
    sun.misc.SignalHandler stop = signal ->
        Thread.ofPlatform().name("serve-stop").start(server::stop);
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), stop);
      } catch (IllegalArgumentException e) {
        // the signal is not available here (or reserved by the JVM): the default handling stays
      }
    }
  }
}
