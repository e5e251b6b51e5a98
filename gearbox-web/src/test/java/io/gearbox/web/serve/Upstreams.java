package io.gearbox.web.serve;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

/** Upstreams that fail: one that answers 500, and an address nobody listens on. */
final class Upstreams {

  /** The one factor scaling the tests' waits, from {@code -Dgearbox.test.delayFactor}. */
  static final double FACTOR = Double.parseDouble(System.getProperty("gearbox.test.delayFactor", "1"));

  private Upstreams() {}

  static Duration scaled(Duration d) {
    return Duration.ofNanos((long) (d.toNanos() * FACTOR));
  }

  /** A server on 127.0.0.1 answering every request with 500; stop it with {@code stop(0)}. */
  static HttpServer failing() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      try (exchange) {
        exchange.sendResponseHeaders(500, -1);
      }
    });
    server.start();
    return server;
  }

  static URI uri(HttpServer server) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  /** A loopback address that refuses connections: a port bound a moment ago and released. */
  static URI unreachable() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/");
    }
  }
}
