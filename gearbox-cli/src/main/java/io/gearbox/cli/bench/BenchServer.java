package io.gearbox.cli.bench;

import io.gearbox.examples.LatencyServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The latency server {@code gearbox bench io} fetches from: HTTP/1.1 on 127.0.0.1, each answer
 * sent after a fixed latency, then the connection is closed ({@code Connection: close}). Like the
 * examples' {@code LatencyServer} it takes {@code ?ms=&bytes=} per request.
 *
 * <p>Why not {@code LatencyServer}: it is built on the JDK's {@code com.sun.net.httpserver},
 * which spent about twice the CPU per request of this one here (measured: 10,000 requests cost
 * it 1.3 to 2.5 s of CPU against 0.9 s for this server), and on a 2-core machine the server's
 * CPU is taken from the client being measured. This server does the least an HTTP server can:
 * one platform thread accepts (so the listen queue, capped by {@code net.core.somaxconn}, never
 * overflows), a virtual thread per connection reads the request head, sleeps, writes and closes.
 * {@code --server jdk} uses {@code LatencyServer} instead.
 */
final class BenchServer implements AutoCloseable {

  private static final int BACKLOG = 16_384;
  private static final int MAX_HEAD = 16_384;

  private final ServerSocket socket;
  private final long latencyMillis;
  private final int bodyBytes;
  private final Thread acceptor;
  private final AtomicLong served = new AtomicLong();
  private volatile boolean closed;

  private BenchServer(ServerSocket socket, long latencyMillis, int bodyBytes) {
    this.socket = socket;
    this.latencyMillis = latencyMillis;
    this.bodyBytes = bodyBytes;
    this.acceptor = Thread.ofPlatform().daemon(true).name("bench-server-accept").unstarted(this::acceptLoop);
  }

  /** Starts a server on 127.0.0.1 on a free port. */
  static BenchServer start(long latencyMillis, int bodyBytes) throws IOException {
    ServerSocket socket = new ServerSocket(0, BACKLOG, InetAddress.getLoopbackAddress());
    BenchServer server = new BenchServer(socket, latencyMillis, bodyBytes);
    server.acceptor.start();
    return server;
  }

  /** The base URI, e.g. {@code http://127.0.0.1:40123/}. */
  URI uri() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/");
  }

  long served() {
    return served.get();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket connection;
      try {
        connection = socket.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        try {
          Thread.sleep(10); // e.g. out of file descriptors: do not spin while it lasts
        } catch (InterruptedException interrupted) {
          return;
        }
        continue;
      }
      Thread.ofVirtual().name("bench-server-conn").start(() -> serve(connection));
    }
  }

  private void serve(Socket connection) {
    try (connection) {
      String head = readHead(connection.getInputStream());
      if (head == null) {
        return;
      }
      String query = query(head);
      long ms = LatencyServer.param(query, "ms", latencyMillis);
      int bytes = (int) Math.max(0, Math.min(64L << 20, LatencyServer.param(query, "bytes", bodyBytes)));
      if (ms > 0) {
        Thread.sleep(ms);
      }
      byte[] response = response(bytes);
      OutputStream out = connection.getOutputStream();
      out.write(response);
      out.flush();
      served.incrementAndGet();
    } catch (IOException | InterruptedException e) {
      // client went away, or the server is closing
    }
  }

  private byte[] response(int bytes) {
    byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + bytes
        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] all = Arrays.copyOf(head, head.length + bytes);
    Arrays.fill(all, head.length, all.length, (byte) 'x');
    return all;
  }

  /** Reads up to the blank line that ends the request head; null if the client closed first. */
  private static String readHead(InputStream in) throws IOException {
    byte[] buf = new byte[1024];
    int len = 0;
    while (len < MAX_HEAD) {
      if (len == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      int n = in.read(buf, len, buf.length - len);
      if (n < 0) {
        return null;
      }
      len += n;
      for (int i = Math.max(3, len - n); i < len; i++) {
        if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
          return new String(buf, 0, i + 1, StandardCharsets.ISO_8859_1);
        }
      }
    }
    return null;
  }

  private static String query(String head) {
    int lineEnd = head.indexOf('\r');
    String requestLine = lineEnd > 0 ? head.substring(0, lineEnd) : head;
    String[] parts = requestLine.split(" ");
    if (parts.length < 2) {
      return null;
    }
    int q = parts[1].indexOf('?');
    return q >= 0 ? parts[1].substring(q + 1) : null;
  }

  @Override
  public void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
    try {
      acceptor.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
