package io.gearbox.cli.bench;

import io.gearbox.examples.Workloads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The tasks the benchmarks run, as named serializable classes so that a process pool (which ships
 * tasks to worker JVMs) can run them as well as a thread pool.
 */
final class Tasks {

  private Tasks() {}

  /** How a fetch talks HTTP. */
  enum Client {
    /** {@link Workloads#fetch}: {@code HttpURLConnection}, the seed's {@code requests.get}. */
    URLCONNECTION,
    /** The JDK's {@code java.net.http.HttpClient}, one shared client, blocking {@code send}. */
    HTTPCLIENT,
    /**
     * A bare HTTP/1.1 GET over a {@code java.net.Socket}, no library: the floor any client pays
     * for a connection, a request and a response.
     */
    RAW;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Client parse(String text) {
      return valueOf(text.strip().toUpperCase(Locale.ROOT));
    }
  }

  /** The seed's {@code fetch_url(url)}: GET the URL, read the whole body; returns its length. */
  record Fetch(URI uri, Client client) implements Callable<Integer>, Serializable {
    @Override
    public Integer call() {
      return switch (client) {
        case URLCONNECTION -> Workloads.fetch(uri);
        case HTTPCLIENT -> SharedHttpClient.fetch(uri);
        case RAW -> RawHttp.fetch(uri);
      };
    }
  }

  /** The seed's {@code compute_heavy(n)}, with its 10,000,000 multiplied by {@code scale}. */
  record Compute(int n, double scale) implements Callable<Long>, Serializable {
    @Override
    public Long call() {
      return Workloads.computeHeavy(n, scale);
    }
  }

  /** A tiny task: the per-task cost of a pool is all there is to measure. */
  record Tiny(int i) implements Callable<Integer>, Serializable {
    @Override
    public Integer call() {
      return i * 31 + 7;
    }
  }

  /** One JDK HttpClient per JVM, as a user would keep one. */
  static final class SharedHttpClient {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Workloads.FETCH_TIMEOUT)
        .build();

    private SharedHttpClient() {}

    static int fetch(URI uri) {
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(Workloads.FETCH_TIMEOUT).build();
      try {
        HttpResponse<byte[]> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() >= 400) {
          throw new IOException("HTTP " + response.statusCode());
        }
        return response.body().length;
      } catch (IOException e) {
        throw new UncheckedIOException("could not fetch " + uri + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while fetching " + uri, e);
      }
    }
  }

  /** HTTP/1.1 GET with {@code Connection: close}, reading to end of stream. Plain http only. */
  static final class RawHttp {
    private RawHttp() {}

    static int fetch(URI uri) {
      if (!"http".equalsIgnoreCase(uri.getScheme())) {
        throw new IllegalArgumentException("the raw client speaks plain http only: " + uri);
      }
      int port = uri.getPort() > 0 ? uri.getPort() : 80;
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      if (uri.getRawQuery() != null) {
        path += "?" + uri.getRawQuery();
      }
      byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + port
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
      try (Socket socket = new Socket()) {
        int timeout = (int) Workloads.FETCH_TIMEOUT.toMillis();
        socket.connect(new java.net.InetSocketAddress(uri.getHost(), port), timeout);
        socket.setSoTimeout(timeout);
        OutputStream out = socket.getOutputStream();
        out.write(request);
        out.flush();
        // Read with a small buffer: 10,000 of these wait at once, and readAllBytes() would hold
        // a 16 KB buffer each.
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[2048];
        int total = 0;
        int headEnd = -1;
        int matched = 0; // how much of "\r\n\r\n" the bytes so far end with
        StringBuilder status = new StringBuilder(); // "HTTP/1.1 200"
        for (int n; (n = in.read(buf)) > 0; ) {
          for (int i = 0; i < n && status.length() < 12; i++) {
            status.append((char) (buf[i] & 0xff));
          }
          for (int i = 0; i < n && headEnd < 0; i++) {
            byte b = buf[i];
            matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
              headEnd = total + i + 1;
            }
          }
          total += n;
        }
        if (status.length() < 10 || !status.toString().startsWith("HTTP/1.")
            || status.charAt(9) != '2') {
          throw new IOException("not a 2xx HTTP answer: " + status.toString().strip());
        }
        return headEnd < 0 ? 0 : total - headEnd;
      } catch (IOException e) {
        throw new UncheckedIOException("could not fetch " + uri + ": " + e.getMessage(), e);
      }
    }
  }

}
