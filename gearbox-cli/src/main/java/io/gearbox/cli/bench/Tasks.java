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
import java.util.concurrent.ConcurrentHashMap;

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
     * Apache HttpClient 5's classic (blocking) API, one shared client whose connection pool
     * holds as many connections as there are tasks in flight: {@link SharedApacheClient}.
     */
    APACHE,
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
        case APACHE -> SharedApacheClient.fetch(uri);
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

  /**
   * State every task of a run shares: one {@link ConcurrentHashMap} of counts in the one heap all
   * threads see. A process pool cannot share it: its workers would have to ship their counts back.
   */
  static final class SharedCounts {
    private final ConcurrentHashMap<Integer, Long> counts = new ConcurrentHashMap<>();

    /** The sum of every count: tasks x updates when no update was lost. */
    long total() {
      long total = 0;
      for (long c : counts.values()) {
        total += c;
      }
      return total;
    }
  }

  /**
   * The shared-state task: {@code updates} increments of the shared map, each on a key computed
   * from (task, step) by {@code work} rounds of hashing (the task's own work between updates; 0
   * makes it a pure contention test) out of {@code keys} keys, written as a user would:
   * {@code map.merge(key, 1L, Long::sum)}. Not serializable on purpose: it holds the shared map.
   */
  record Count(SharedCounts shared, int task, int updates, int keys, int work)
      implements Callable<Integer> {
    @Override
    public Integer call() {
      ConcurrentHashMap<Integer, Long> map = shared.counts;
      long base = (long) task * updates;
      for (int j = 0; j < updates; j++) {
        long h = (base + j) * 0x9E3779B97F4A7C15L;
        for (int r = 0; r < work; r++) {
          h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + r;
        }
        int key = (int) ((h >>> 32) % keys);
        map.merge(key, 1L, Long::sum);
      }
      return updates;
    }
  }

  /**
   * The scale at which {@code compute_heavy(1, scale)} takes about {@code target} of CPU here, once
   * the JIT has compiled the loop: so a workload's CPU tasks are the same work for every strategy
   * (the parent calibrates once and hands the scale to each child) and about as long on any machine.
   */
  static double computeScaleFor(java.time.Duration target) {
    double scale = target.toNanos() / io.gearbox.cli.Calibration.nanosPerUnit();
    return Math.clamp(Math.round(scale * 1000) / 1000.0, 0.001, 100_000);
  }

  /** A tiny task: the per-task cost of a pool is all there is to measure. */
  record Tiny(int i) implements Callable<Integer>, Serializable {
    @Override
    public Integer call() {
      return i * 31 + 7;
    }
  }

  /**
   * Closes the clients the fetches share ({@link SharedApacheClient}, {@link SharedHttpClient})
   * with every connection they keep open; the next fetch builds a new one. {@code bench io} calls
   * it at the end of each run, inside the timed region, so that each run starts with no open
   * connection and pays for closing them, as the seed's asyncio does with one
   * {@code ClientSession} per run (see docs/benchmarks.md). {@code HttpURLConnection} keeps at
   * most 5 idle connections per destination and has nothing to close here.
   */
  static void closeClients() {
    SharedApacheClient.close();
    SharedHttpClient.close();
  }

  /**
   * A client built on its first use and kept for the fetches that follow, until {@link #close}
   * closes it (the next use builds a new one). The fetches read it without a lock.
   */
  private static final class Shared<C> {
    private final java.util.function.Supplier<C> build;
    private final java.util.function.Consumer<C> closer;
    private volatile C client;

    Shared(java.util.function.Supplier<C> build, java.util.function.Consumer<C> closer) {
      this.build = build;
      this.closer = closer;
    }

    C get() {
      C c = client;
      if (c == null) {
        synchronized (this) {
          c = client;
          if (c == null) {
            c = build.get();
            client = c;
          }
        }
      }
      return c;
    }

    /** Closes the client, if one was built. */
    synchronized void close() {
      C c = client;
      client = null;
      if (c != null) {
        closer.accept(c);
      }
    }
  }

  /** One JDK HttpClient per JVM (until {@link #closeClients()}), as a user would keep one. */
  static final class SharedHttpClient {
    /** Closing waits for the requests in flight to end. */
    private static final Shared<HttpClient> CLIENT = new Shared<>(
        () -> HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Workloads.FETCH_TIMEOUT)
            .build(),
        HttpClient::close);

    private SharedHttpClient() {}

    static void close() {
      CLIENT.close();
    }

    static int fetch(URI uri) {
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(Workloads.FETCH_TIMEOUT).build();
      try {
        HttpResponse<byte[]> response = CLIENT.get().send(request,
            HttpResponse.BodyHandlers.ofByteArray());
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

  /**
   * One Apache HttpClient 5 (classic API) per JVM, as a user would keep one. Its pooling
   * connection manager allows 5 connections per route and 25 in all by default: 10,000 fetches at
   * once would queue behind 5 sockets, so both limits are raised to {@link #MAX_CONNECTIONS}, as
   * aiohttp's unlimited connector; the pool keeps them open (keep-alive) until
   * {@link Tasks#closeClients()}, with a small buffer each ({@link #BUFFER_BYTES}). Blocking
   * socket I/O: on a virtual thread a wait unmounts it.
   */
  static final class SharedApacheClient {
    /** The pool's limit per route and in all: the most tasks a bench io run has in flight. */
    static final int MAX_CONNECTIONS = Limits.MAX_CONCURRENT_TASKS;

    /**
     * Each pooled connection's buffer. Measured with 1,000 idle pooled connections after a run
     * against nginx (a class histogram after a full GC): the builder's default connection factory
     * kept 102 MB of byte arrays, an explicit 8 KB buffer 29 MB, 2 KB 10 MB; at 10,000
     * connections the default needed more than a 1 GB heap. 2 KB holds a bench answer's head.
     */
    static final int BUFFER_BYTES = 2048;

    /** Closing closes every connection its pool keeps. */
    private static final Shared<org.apache.hc.client5.http.impl.classic.CloseableHttpClient> CLIENT =
        new Shared<>(SharedApacheClient::build,
            c -> c.close(org.apache.hc.core5.io.CloseMode.GRACEFUL));

    private SharedApacheClient() {}

    private static org.apache.hc.client5.http.impl.classic.CloseableHttpClient build() {
      org.apache.hc.core5.util.Timeout timeout =
          org.apache.hc.core5.util.Timeout.of(Workloads.FETCH_TIMEOUT);
      return org.apache.hc.client5.http.impl.classic.HttpClients.custom()
          .setConnectionManager(org.apache.hc.client5.http.impl.io
              .PoolingHttpClientConnectionManagerBuilder.create()
              .setMaxConnTotal(MAX_CONNECTIONS)
              .setMaxConnPerRoute(MAX_CONNECTIONS)
              .setConnectionFactory(org.apache.hc.client5.http.impl.io
                  .ManagedHttpClientConnectionFactory.builder()
                  .http1Config(org.apache.hc.core5.http.config.Http1Config.custom()
                      .setBufferSize(BUFFER_BYTES).build())
                  .build())
              .setDefaultConnectionConfig(org.apache.hc.client5.http.config.ConnectionConfig.custom()
                  .setConnectTimeout(timeout).setSocketTimeout(timeout).build())
              .build())
          .setDefaultRequestConfig(org.apache.hc.client5.http.config.RequestConfig.custom()
              .setResponseTimeout(timeout).build())
          .disableAutomaticRetries()
          .build();
    }

    static void close() {
      CLIENT.close();
    }

    static int fetch(URI uri) {
      try {
        return CLIENT.get().execute(new org.apache.hc.client5.http.classic.methods.HttpGet(uri),
            response -> {
              if (response.getCode() >= 400) {
                throw new IOException("HTTP " + response.getCode());
              }
              org.apache.hc.core5.http.HttpEntity entity = response.getEntity();
              return entity == null ? 0
                  : org.apache.hc.core5.http.io.entity.EntityUtils.toByteArray(entity).length;
            });
      } catch (IOException e) {
        throw new UncheckedIOException("could not fetch " + uri + ": " + e.getMessage(), e);
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
