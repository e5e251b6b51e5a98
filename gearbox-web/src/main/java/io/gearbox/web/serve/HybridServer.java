package io.gearbox.web.serve;

import io.gearbox.web.GearboxDashboard;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * A running {@link HybridService} on its own Helidon web server, with the pools' live
 * {@link GearboxDashboard} at {@code /}: what {@code gearbox serve} starts, and a starting point to
 * copy.
 *
 * <pre>{@code
 * HybridService service = HybridService.builder(upstream).build();
 * try (HybridServer server = HybridServer.start(service, "127.0.0.1", 8080, Duration.ofSeconds(10))) {
 *   server.awaitStop();
 * }
 * }</pre>
 *
 * <p><b>Stopping.</b> {@link #stop()} closes the listening socket at once (new connections are
 * refused), lets requests in flight finish for up to the grace period, then closes the service's
 * pools (cancelling what still runs) and its HTTP client. Helidon's own shutdown hook is off: the
 * owner decides when to stop (the {@code gearbox serve} command does it on SIGTERM).
 *
 * <p>Thread-safe: {@link #stop()} may be called from any thread, more than once.
 */
public final class HybridServer implements AutoCloseable {

  private final HybridService service;
  private final WebServer server;
  private final Duration grace;
  private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
  private final Object stopLock = new Object();
  private boolean stopping;

  private HybridServer(HybridService service, WebServer server, Duration grace) {
    this.service = service;
    this.server = server;
    this.grace = grace;
  }

  /**
   * Starts a web server on {@code host:port} (port 0: a free one) serving {@code service} and a
   * dashboard of its pools at {@code /}. The server owns the service from now on: stopping the
   * server closes it.
   *
   * @param grace how long requests in flight may take to finish when the server stops
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if port is out of range or grace is negative
   * @throws IllegalStateException naming the reason if the server cannot listen there (for
   *     example the address is in use); the service is closed then
   */
  public static HybridServer start(HybridService service, String host, int port, Duration grace) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(grace, "grace");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be from 0 to 65535, was " + port);
    }
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative, was " + grace);
    }
    GearboxDashboard dashboard = GearboxDashboard.of(service.pools());
    WebServer server = WebServer.builder()
        .host(host)
        .port(port)
        .backlog(8_192) // a burst of 1,000 connections must not overflow the listen queue
        .shutdownHook(false)
        .shutdownGracePeriod(grace)
        .routing(r -> r.register(service).register("/", dashboard))
        .build();
    try {
      server.start();
    } catch (RuntimeException e) {
      service.close(Duration.ZERO);
      throw e;
    }
    if (!server.isRunning()) { // Helidon logs why (SEVERE) and returns a stopped server
      service.close(Duration.ZERO);
      throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + bindProblem(host, port));
    }
    return new HybridServer(service, server, grace);
  }

  /** Why host:port cannot be bound, found by trying: the message of the bind's exception. */
  private static String bindProblem(String host, int port) {
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName(host), port));
      return "the web server did not start (see its log)";
    } catch (java.io.IOException e) {
      return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
  }

  /** The port the server listens on (-1 once it has stopped). */
  public int port() {
    return server.port();
  }

  /** The server's base URI on the loopback address, e.g. {@code http://127.0.0.1:8080/}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port() + "/");
  }

  /** The service it serves. */
  public HybridService service() {
    return service;
  }

  /**
   * Stops the server: refuses new connections, lets requests in flight finish within the grace
   * period, closes the service's pools. Returns when all that is done; later calls return at once
   * after the first has finished.
   *
   * @return true if the pools terminated within the grace (false: a task ignored its interrupt)
   */
  public boolean stop() {
    synchronized (stopLock) {
      if (stopping) {
        awaitQuietly();
        return true;
      }
      stopping = true;
    }
    try {
      server.stop(); // closes the socket, waits up to the grace for connections' requests to end
      return service.close(grace);
    } finally {
      stopped.countDown();
    }
  }

  private void awaitQuietly() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until {@link #stop()} has finished. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /** {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }
}
