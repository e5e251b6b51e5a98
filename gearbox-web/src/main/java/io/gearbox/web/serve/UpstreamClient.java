package io.gearbox.web.serve;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocketFactory;

/**
 * A lean HTTP/1.1 GET client for one upstream, on blocking sockets with keep-alive: the handler's
 * virtual thread writes the request and blocks in the read, which parks it and frees its carrier.
 *
 * <p>Why not the JDK's {@code HttpClient}: it spends about 440 us of CPU per request here (see
 * docs/benchmarks.md, io), which caps a 2-core machine near 4,000 fetches a second before the
 * server does any work; it answered /io at 1,000 connections with timeouts. This client parses
 * only what it needs: the status, {@code Content-Length}, {@code Transfer-Encoding: chunked} and
 * {@code Connection: close}; it counts the body's bytes without keeping them.
 *
 * <p>Connections are pooled (at most {@code maxIdle} idle ones are kept); a kept connection the
 * upstream has closed in the meantime is noticed on first use and the request is sent once more
 * on a fresh one (a GET may be repeated). Thread-safe.
 *
 * <p>Deadlines: every read waits at most until the request's deadline ({@link SocketTimeoutException}
 * past it). An interrupt of a virtual thread blocked in a read closes the socket and surfaces as
 * {@link InterruptedException}.
 */
final class UpstreamClient implements AutoCloseable {

  /** What came back: the status code and the number of body bytes. */
  record Answer(int status, long bytes) {}

  private static final int MAX_HEAD_LINE = 8_192;

  private final String host;
  private final int port;
  private final boolean tls;
  private final String hostHeader;
  private final int maxIdle;
  private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
  private final AtomicInteger idleCount = new AtomicInteger();
  private volatile boolean closed;

  UpstreamClient(URI base, int maxIdle) {
    this.host = base.getHost();
    this.tls = "https".equals(base.getScheme());
    this.port = base.getPort() > 0 ? base.getPort() : tls ? 443 : 80;
    this.hostHeader = base.getPort() > 0 ? host + ":" + port : host;
    this.maxIdle = maxIdle;
  }

  /**
   * GETs {@code path} (absolute path and query, e.g. {@code /delay/050}).
   *
   * @param deadline {@link System#nanoTime()} by which the whole answer must be in
   * @throws SocketTimeoutException if the deadline passes first
   * @throws InterruptedException if the calling thread is interrupted
   * @throws IOException if the upstream cannot be reached or answers with something not HTTP
   */
  Answer get(String path, long deadline) throws IOException, InterruptedException {
    byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader
        + "\r\nUser-Agent: gearbox-serve\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    Connection reused = idle.pollFirst();
    if (reused != null) {
      idleCount.decrementAndGet();
      try {
        return exchange(reused, request, deadline);
      } catch (SocketTimeoutException | InterruptedException e) {
        throw e;
      } catch (IOException stale) {
        // the upstream closed the kept connection meanwhile: once more on a fresh one
        checkInterrupt();
      }
    }
    return exchange(connect(deadline), request, deadline);
  }

  private Connection connect(long deadline) throws IOException, InterruptedException {
    Socket socket = tls ? SSLSocketFactory.getDefault().createSocket() : new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(host, port), timeoutMillis(deadline));
      return new Connection(socket);
    } catch (IOException e) {
      socket.close();
      checkInterrupt();
      throw e;
    }
  }

  private Answer exchange(Connection c, byte[] request, long deadline)
      throws IOException, InterruptedException {
    boolean keep = false;
    try {
      c.socket.setSoTimeout(timeoutMillis(deadline));
      c.out.write(request);
      c.out.flush();
      String statusLine = c.line();
      if (!statusLine.startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP answer: '" + abbreviate(statusLine) + "'");
      }
      int status = Integer.parseInt(statusLine.substring(9, Math.min(statusLine.length(), 12)).strip());
      long length = -1;
      boolean chunked = false;
      boolean close = statusLine.startsWith("HTTP/1.0");
      for (String header = c.line(); !header.isEmpty(); header = c.line()) {
        int colon = header.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = header.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = header.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.contains("chunked");
          case "connection" -> close = value.contains("close") || (close && !value.contains("keep-alive"));
          default -> { }
        }
      }
      long bytes;
      if (chunked) {
        bytes = c.chunkedBody();
      } else if (length >= 0) {
        c.skip(length);
        bytes = length;
      } else {
        bytes = c.skipToEnd();
        close = true;
      }
      keep = !close;
      return new Answer(status, bytes);
    } catch (NumberFormatException e) {
      throw new IOException("a malformed HTTP answer: " + e.getMessage());
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      checkInterrupt();
      throw e;
    } finally {
      if (keep && !closed && idleCount.incrementAndGet() <= maxIdle) {
        idle.addFirst(c);
      } else {
        if (keep) {
          idleCount.decrementAndGet();
        }
        c.close();
      }
    }
  }

  private static int timeoutMillis(long deadline) throws SocketTimeoutException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000));
  }

  private static void checkInterrupt() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException("the fetch was interrupted");
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  /** Closes every kept connection; connections in use close when their request ends. */
  @Override
  public void close() {
    closed = true;
    for (Connection c = idle.pollFirst(); c != null; c = idle.pollFirst()) {
      c.close();
    }
  }

  /** One kept-alive connection; used by one request at a time. */
  private static final class Connection {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    private final StringBuilder line = new StringBuilder(64);

    Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream(), 8_192);
      this.out = socket.getOutputStream();
    }

    /** A line up to CRLF (or LF), without it. */
    String line() throws IOException {
      line.setLength(0);
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("the upstream closed the connection");
        }
        if (b == '\n') {
          int end = line.length();
          if (end > 0 && line.charAt(end - 1) == '\r') {
            line.setLength(end - 1);
          }
          return line.toString();
        }
        if (line.length() >= MAX_HEAD_LINE) {
          throw new IOException("a header line longer than " + MAX_HEAD_LINE + " bytes");
        }
        line.append((char) b);
      }
    }

    void skip(long n) throws IOException {
      long left = n;
      while (left > 0) {
        long skipped = in.skip(left);
        if (skipped <= 0) {
          if (in.read() < 0) {
            throw new EOFException("the upstream closed the connection mid-body");
          }
          skipped = 1;
        }
        left -= skipped;
      }
    }

    long skipToEnd() throws IOException {
      long total = 0;
      byte[] buf = new byte[8_192];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        total += n;
      }
      return total;
    }

    long chunkedBody() throws IOException {
      long total = 0;
      while (true) {
        String sizeLine = line();
        int semi = sizeLine.indexOf(';');
        long size = Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).strip(), 16);
        if (size == 0) {
          while (!line().isEmpty()) {
            // trailers
          }
          return total;
        }
        skip(size);
        total += size;
        line(); // the CRLF after the chunk
      }
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
