package io.gearbox.web.serve;

import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;

/**
 * The embedded upstream of {@code gearbox serve}: an HTTP server on 127.0.0.1 that answers {@code
 * GET /delay/<ms>} after that many milliseconds with {@value #BODY_BYTES} bytes (about what
 * example.com sends), like the examples' {@code LatencyServer}.
 *
 * <p>Why a server of its own: at 1,000 connections the upstream must answer 20,000 requests a
 * second, on keep-alive connections. The JDK's {@code com.sun.net.httpserver} (under
 * {@code LatencyServer}) dispatches every request from one thread and answered about 3,000 a
 * second here, with read errors; the bench's own server closes each connection after one answer.
 * This one is a second Helidon listener: a virtual thread per connection, which sleeps.
 *
 * <p>Thread-safe. {@link #close()} stops it at once.
 */
public final class DelayServer implements AutoCloseable {

  /** Bytes in every answer. */
  public static final int BODY_BYTES = 1256;
  /** The longest delay asked for: 60 s. */
  public static final int MAX_DELAY_MS = 60_000;

  private static final byte[] BODY = body();

  private final WebServer server;

  private DelayServer(WebServer server) {
    this.server = server;
  }

  /**
   * Starts a server on 127.0.0.1 on a free port.
   *
   * @throws IllegalStateException if it cannot listen
   */
  public static DelayServer start() {
    WebServer server = WebServer.builder()
        .host("127.0.0.1")
        .port(0)
        .backlog(8_192)
        .shutdownHook(false)
        .shutdownGracePeriod(Duration.ZERO)
        .routing(r -> r.get("/delay/{ms}", (req, res) -> {
          long ms;
          try {
            ms = Long.parseLong(req.path().pathParameters().get("ms"));
          } catch (NumberFormatException e) {
            ms = -1;
          }
          if (ms < 0 || ms > MAX_DELAY_MS) {
            res.status(Status.BAD_REQUEST_400).send("delay must be 0 to " + MAX_DELAY_MS + " ms");
            return;
          }
          if (ms > 0) {
            Thread.sleep(ms); // a virtual thread: the wait costs no platform thread
          }
          res.header(HeaderValues.CONTENT_TYPE_TEXT_PLAIN);
          res.send(BODY);
        }))
        .build()
        .start();
    if (!server.isRunning()) { // Helidon logs why and returns a stopped server
      throw new IllegalStateException("the embedded upstream could not listen on 127.0.0.1");
    }
    return new DelayServer(server);
  }

  /** The base URI, e.g. {@code http://127.0.0.1:40123/}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.port() + "/");
  }

  @Override
  public void close() {
    server.stop();
  }

  private static byte[] body() {
    byte[] body = new byte[BODY_BYTES];
    Arrays.fill(body, (byte) 'x');
    return body;
  }
}
