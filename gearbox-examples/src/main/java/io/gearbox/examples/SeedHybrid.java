package io.gearbox.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.gearbox.Gearbox;
import io.gearbox.Pool;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The seed's production hybrid ("FastAPI uses async for request handling, then delegates
 * CPU-intensive work to a pool via run_in_executor"), on the JVM: an HTTP server whose handlers
 * run on virtual threads, wait on their I/O as plain blocking code, and hand CPU work to the CPU
 * pool with {@link Pool#invoke}, again a plain blocking call.
 *
 * <pre>
 * java -cp ... io.gearbox.examples.SeedHybrid [scale]
 * </pre>
 *
 * <p>{@code GET /report?n=3} fetches from an upstream service (a {@link LatencyServer}), then
 * runs {@code compute_heavy(n)}. The example sends four requests at once, prints the answers, and
 * stops.
 */
public final class SeedHybrid {

  private SeedHybrid() {}

  public static void main(String[] args) throws IOException {
    double scale = args.length > 0 ? Double.parseDouble(args[0]) : 10;
    run(scale).forEach(System.out::println);
  }

  /** Starts the server, sends it {@code n = 1..4} at once, stops it, returns the answers. */
  public static List<String> run(double scale) throws IOException {
    try (LatencyServer upstream = LatencyServer.start(Duration.ofMillis(50));
        Pool cpu = Gearbox.cpu();
        Pool io = Gearbox.virtual()) {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/report", exchange -> report(exchange, upstream.uri(), cpu, scale));
      server.setExecutor(io.asExecutorService()); // one virtual thread per request
      server.start();
      try {
        String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/report?n=";
        return io.map(n -> get(URI.create(base + n)), List.of(1, 2, 3, 4)).toList();
      } finally {
        server.stop(0);
      }
    }
  }

  /** A result and the name of the thread that computed it. */
  private record Computed(long value, String thread) {}

  /** The request handler: an {@code async def} endpoint, without the async. */
  private static void report(HttpExchange exchange, URI upstream, Pool cpu, double scale)
      throws IOException {
    try (exchange) {
      String query = exchange.getRequestURI().getQuery();
      int n = query != null && query.startsWith("n=") ? Integer.parseInt(query.substring(2)) : 1;
      String handler = Thread.currentThread().getName();

      int bytes = Workloads.fetch(upstream); // I/O: this virtual thread waits, its carrier does not
      Computed computed = cpu.invoke( // CPU: run_in_executor, as one blocking call
          () -> new Computed(Workloads.computeHeavy(n, scale), Thread.currentThread().getName()));

      byte[] body = ("compute_heavy(%d) = %d; upstream sent %d bytes; handler %s (virtual: %b), "
          + "computed on %s").formatted(n, computed.value(), bytes, handler,
              Thread.currentThread().isVirtual(), computed.thread()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  /** A client's GET, returning the body. */
  private static String get(URI uri) {
    try (InputStream in = uri.toURL().openStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + uri + " failed: " + e.getMessage(), e);
    }
  }
}
