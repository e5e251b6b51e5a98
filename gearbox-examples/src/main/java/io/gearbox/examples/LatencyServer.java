package io.gearbox.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local stand-in for the seed's {@code https://example.com}: an HTTP server on 127.0.0.1 that
 * answers every request after a fixed latency, so the seed's I/O experiments run offline and
 * repeatably. Each request is handled on its own virtual thread, so 10,000 concurrent requests
 * cost the server little more than 10.
 *
 * <p>{@code GET /?ms=250&bytes=2048} overrides the default latency and body size per request;
 * {@code GET /delay/250} (the path {@code gearbox serve} fetches) asks for 250 ms too.
 *
 * <pre>{@code
 * try (LatencyServer server = LatencyServer.start(Duration.ofMillis(100))) {
 *   fetch(server.uri());
 * }
 * }</pre>
 */
public final class LatencyServer implements AutoCloseable {

  /** Body size unless the request asks otherwise: 1,256 bytes, about what example.com sends. */
  public static final int DEFAULT_BODY_BYTES = 1256;

  private final HttpServer server;
  private final ExecutorService handlers;
  private final long latencyMillis;
  private final AtomicLong served = new AtomicLong();

  private LatencyServer(HttpServer server, ExecutorService handlers, long latencyMillis) {
    this.server = server;
    this.handlers = handlers;
    this.latencyMillis = latencyMillis;
  }

  /**
   * Starts a server on 127.0.0.1 on a free port.
   *
   * @param latency how long each answer takes unless the request says otherwise
   * @throws IOException if no port can be bound
   */
  public static LatencyServer start(java.time.Duration latency) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16_384);
    ExecutorService handlers =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("latency-server-", 1).factory());
    LatencyServer latencyServer = new LatencyServer(server, handlers, latency.toMillis());
    server.createContext("/", latencyServer::handle);
    server.setExecutor(handlers);
    server.start();
    return latencyServer;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String query = exchange.getRequestURI().getRawQuery();
      long ms = param(query, "ms", delayOfPath(exchange.getRequestURI().getRawPath(), latencyMillis));
      int bytes = (int) param(query, "bytes", DEFAULT_BODY_BYTES);
      if (ms > 0) {
        try {
          Thread.sleep(ms);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      byte[] body = new byte[Math.max(0, bytes)];
      Arrays.fill(body, (byte) 'x');
      served.incrementAndGet(); // before the answer leaves, so a client that has it sees it counted
      exchange.getResponseHeaders().set("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** The {@code <ms>} of a path {@code /delay/<ms>}, or the fallback for any other path. */
  static long delayOfPath(String path, long fallback) {
    String prefix = "/delay/";
    if (path == null || !path.startsWith(prefix)) {
      return fallback;
    }
    try {
      return Long.parseLong(path.substring(prefix.length()));
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /**
   * A whole-number parameter of a raw query string ({@code ms=250&bytes=2048}), or the fallback
   * when it is absent or not a number. Shared with the benchmark's own server.
   */
  public static long param(String query, String name, long fallback) {
    if (query == null) {
      return fallback;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        try {
          return Long.parseLong(pair.substring(eq + 1));
        } catch (NumberFormatException e) {
          return fallback;
        }
      }
    }
    return fallback;
  }

  /** The server's base URI, e.g. {@code http://127.0.0.1:40123/}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  /** Requests answered so far (counted as each answer starts, after its latency). */
  public long served() {
    return served.get();
  }

  /** Stops the server at once and waits for its handler threads to end. */
  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
    handlers.close();
  }
}
