package io.gearbox.web.serve;

import io.gearbox.AutoPool;
import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.PoolClosedException;
import io.gearbox.PoolKind;
import io.gearbox.PoolSaturatedException;
import io.gearbox.Saturation;
import io.gearbox.TaskFailedException;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskTimeoutException;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The seed's production hybrid as a Helidon {@link HttpService}: "FastAPI uses async for request
 * handling, then delegates CPU-intensive work to a thread pool or process pool via
 * run_in_executor". Helidon runs every request on a virtual thread, so a handler waits on its
 * upstream as plain blocking code, and hands CPU work to the CPU pool with a blocking call that
 * costs nothing on a virtual thread.
 *
 * <pre>{@code
 * try (HybridService service = HybridService.builder(URI.create("http://127.0.0.1:9000/")).build()) {
 *   WebServer server = WebServer.builder().port(8080)
 *       .routing(r -> r.register(service).register("/", GearboxDashboard.of(service.pools())))
 *       .build().start();
 *   ...
 * }
 * }</pre>
 *
 * <h2>Routes</h2>
 *
 * <ul>
 *   <li>{@code GET /io?ms=50}: fetches {@code <upstream>/delay/050} (an HTTP server answering after
 *       that many ms) and answers with the byte count.
 *   <li>{@code GET /cpu?n=200000}: the seed's {@code compute_heavy}, {@code sum(range(n))}.
 *   <li>{@code GET /burn?ms=2}: that many ms of the thread's CPU time ({@link Work#burn}).
 *   <li>{@code GET /mixed?ms=50&n=200000}: the fetch, then the sum.
 * </ul>
 *
 * Where the fetch and the computation run depends on {@link Handlers}. Every answer is one line of
 * JSON.
 *
 * <h2>Bad input and faults</h2>
 *
 * <ul>
 *   <li>A missing, malformed or out-of-range parameter: 400, {@code {"error": "...", "status":
 *       400}}; {@code ms} is 0..{@value #MAX_FETCH_MS} for a fetch and 1..{@value #MAX_BURN_MS}
 *       for a burn, {@code n} is 1..{@value #MAX_N}.
 *   <li>The pool that would take the work is full (its bound on tasks in flight is reached): 503
 *       with {@code Retry-After: 1}. Nothing queues beyond the bound.
 *   <li>A request past its deadline ({@link Builder#requestTimeout}): 504, and its task is cancelled
 *       (interrupted: the work stops, see {@link #cancelledWork()}).
 *   <li>The upstream unreachable, failing or answering other than 200: 502 with the reason.
 *   <li>Anything else a handler throws: 500 with the reason; the server serves on.
 * </ul>
 *
 * <p>Thread-safe: Helidon calls the handlers from many virtual threads at once. {@link #close()}
 * closes the pools and the HTTP client; stop the web server first.
 */
public final class HybridService implements HttpService, AutoCloseable {

  /** Default deadline of a request: 10 s. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Default number of requests that may wait for a CPU (or, with THREADS, a platform) thread. */
  public static final int DEFAULT_QUEUE = 1_000;
  /** Default bound on requests in flight in a virtual or auto pool. */
  public static final int DEFAULT_MAX_REQUESTS = 10_000;
  /** Platform threads of the {@link Handlers#THREADS} pool: a servlet container's default. */
  public static final int PLATFORM_THREADS = 200;
  /** Connections to the upstream kept open between requests. */
  static final int MAX_IDLE_UPSTREAM_CONNECTIONS = 4_096;
  /** Largest {@code ms} of a fetch: the upstream path takes three digits. */
  public static final int MAX_FETCH_MS = 999;
  /** Largest {@code ms} of a burn. */
  public static final int MAX_BURN_MS = 1_000;
  /** Largest {@code n} of a sum: about half a second of adding on a current core. */
  public static final long MAX_N = 1_000_000_000L;

  private final Handlers handlers;
  private final URI upstream;
  private final Duration requestTimeout;
  private final UpstreamClient client;
  private final Pool pool; // where the work goes: the CPU pool (HYBRID), else the whole-request pool
  private final AtomicLong cancelledWork = new AtomicLong();

  private HybridService(Builder b) {
    this.handlers = b.handlers;
    this.upstream = b.upstream;
    this.requestTimeout = b.requestTimeout;
    int cores = Runtime.getRuntime().availableProcessors();
    this.pool = switch (handlers) {
      case HYBRID -> Gearbox.cpuBuilder().name("cpu").maxInFlight(cores + b.queue)
          .saturation(Saturation.REJECT).build();
      case VIRTUAL -> Gearbox.virtualBuilder().name("virtual").maxInFlight(b.maxRequests)
          .saturation(Saturation.REJECT).build();
      case THREADS -> Gearbox.threadsBuilder().name("threads").threads(PLATFORM_THREADS)
          .maxInFlight(PLATFORM_THREADS + b.queue).saturation(Saturation.REJECT).build();
      case AUTO -> Gearbox.autoBuilder().name("auto").maxInFlight(b.maxRequests)
          .saturation(Saturation.REJECT).build();
    };
    this.client = new UpstreamClient(upstream, MAX_IDLE_UPSTREAM_CONNECTIONS);
  }

  /**
   * A builder for a service fetching from {@code upstream}, e.g. {@code http://127.0.0.1:9000/}
   * (its {@code delay/<ms>} path is fetched).
   *
   * @throws NullPointerException if upstream is null
   * @throws IllegalArgumentException if upstream is not an absolute http URI
   */
  public static Builder builder(URI upstream) {
    return new Builder(upstream);
  }

  /** Which handlers this service runs. */
  public Handlers handlers() {
    return handlers;
  }

  /** The upstream fetched by {@code /io} and {@code /mixed}, ending in {@code /}. */
  public URI upstream() {
    return upstream;
  }

  /** The pools this service runs work on, for a dashboard: {@code GearboxDashboard.of(pools)}. */
  public Pool[] pools() {
    return new Pool[] {pool};
  }

  /** The pool the work goes to: the CPU pool for HYBRID, else the pool running whole requests. */
  public Pool pool() {
    return pool;
  }

  /**
   * How many computations stopped early because their request was cancelled (timed out, or the
   * service closed). Shows that a 504 really stopped the work.
   */
  public long cancelledWork() {
    return cancelledWork.get();
  }

  @Override
  public void routing(HttpRules rules) {
    rules.get("/io", (req, res) -> respond(res, () -> io(req)))
        .get("/cpu", (req, res) -> respond(res, () -> cpu(req)))
        .get("/burn", (req, res) -> respond(res, () -> burn(req)))
        .get("/mixed", (req, res) -> respond(res, () -> mixed(req)));
  }

  // ------------------------------------------------------------------ the routes

  private String io(ServerRequest req) throws InterruptedException {
    int ms = (int) param(req, "ms", 0, MAX_FETCH_MS);
    long deadline = deadline();
    int bytes = switch (handlers) {
      case HYBRID -> fetch(ms, deadline); // on this virtual thread: waiting costs no platform thread
      case AUTO -> onPool(() -> fetch(ms, deadline), "fetch", deadline);
      case VIRTUAL, THREADS -> onPool(() -> fetch(ms, deadline), "request", deadline);
    };
    return "{\"route\":\"io\",\"ms\":" + ms + ",\"bytes\":" + bytes + handlersField();
  }

  private String cpu(ServerRequest req) throws InterruptedException {
    long n = param(req, "n", 1, MAX_N);
    long sum = compute(() -> Work.sumRange(n), "sum_range", deadline());
    return "{\"route\":\"cpu\",\"n\":" + n + ",\"sum\":" + sum + handlersField();
  }

  private String burn(ServerRequest req) throws InterruptedException {
    long ms = param(req, "ms", 1, MAX_BURN_MS);
    double cpuMs = compute(() -> Work.burn(ms), "burn", deadline());
    return "{\"route\":\"burn\",\"ms\":" + ms + ",\"cpu_ms\":"
        + String.format(Locale.ROOT, "%.3f", cpuMs) + handlersField();
  }

  private String mixed(ServerRequest req) throws InterruptedException {
    int ms = (int) param(req, "ms", 0, MAX_FETCH_MS);
    long n = param(req, "n", 1, MAX_N);
    long deadline = deadline();
    long[] result = switch (handlers) {
      case HYBRID, AUTO -> {
        int bytes = handlers == Handlers.HYBRID
            ? fetch(ms, deadline)
            : onPool(() -> fetch(ms, deadline), "fetch", deadline);
        yield new long[] {bytes, compute(() -> Work.sumRange(n), "sum_range", deadline)};
      }
      case VIRTUAL, THREADS -> onPool(
          () -> new long[] {fetch(ms, deadline), counted(() -> Work.sumRange(n))}, "request", deadline);
    };
    return "{\"route\":\"mixed\",\"ms\":" + ms + ",\"n\":" + n + ",\"bytes\":" + result[0]
        + ",\"sum\":" + result[1] + handlersField();
  }

  private String handlersField() {
    return ",\"handlers\":\"" + handlers.label() + "\"}";
  }

  // ------------------------------------------------------------------ where work runs

  /** CPU work: on the CPU pool (HYBRID), the auto pool, or the pool running the whole request. */
  private <T> T compute(Callable<T> work, String name, long deadline) throws InterruptedException {
    String taskName = handlers == Handlers.HYBRID || handlers == Handlers.AUTO ? name : "request";
    return onPool(() -> counted(work), taskName, deadline);
  }

  /** Runs work, counting it in {@link #cancelledWork} if an interrupt stops it. */
  private <T> T counted(Callable<T> work) throws Exception {
    try {
      return work.call();
    } catch (InterruptedException e) {
      cancelledWork.incrementAndGet();
      throw e;
    }
  }

  /**
   * Submits to the pool with the request's remaining time as the task's timeout and waits: {@code
   * cpu.invoke}, with a deadline and a bound. A full pool answers 503; a timeout 504 (the pool
   * cancels the task); a {@link Problem} thrown by the task is the answer.
   */
  private <T> T onPool(Callable<T> task, String name, long deadline) throws InterruptedException {
    TaskHandle<T> handle;
    try {
      handle = pool.submit(task, TaskOptions.named(name).withTimeout(remaining(deadline)));
    } catch (PoolSaturatedException e) {
      throw new Problem(Status.SERVICE_UNAVAILABLE_503, "the " + pool.name() + " pool is full ("
          + pool.stats().queued() + " queued, " + pool.stats().running() + " running); retry later", 1);
    } catch (PoolClosedException e) {
      throw new Problem(Status.SERVICE_UNAVAILABLE_503, "the server is shutting down", 1);
    }
    try {
      return handle.join();
    } catch (TaskTimeoutException e) {
      throw timedOut();
    } catch (TaskFailedException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Problem p) {
        throw p;
      }
      if (cause instanceof InterruptedException) { // interrupted without a timeout: shutdown
        throw new Problem(Status.SERVICE_UNAVAILABLE_503, "the server is shutting down", 1);
      }
      throw new Problem(Status.INTERNAL_SERVER_ERROR_500, "the " + name + " task failed: " + describe(cause));
    } catch (CancellationException e) {
      throw new Problem(Status.SERVICE_UNAVAILABLE_503, "the server is shutting down", 1);
    } catch (CompletionException e) {
      if (e.getCause() instanceof InterruptedException interrupted) {
        throw interrupted; // this handler was interrupted (the server stops)
      }
      throw e;
    } finally {
      if (!handle.isDone()) {
        handle.cancel(true);
      }
    }
  }

  /** Fetches {@code <upstream>/delay/<ms>}; the number of body bytes. */
  private int fetch(int ms, long deadline) throws InterruptedException {
    String path = upstream.getRawPath() + "delay/" + String.format(Locale.ROOT, "%03d", ms);
    UpstreamClient.Answer answer;
    try {
      answer = client.get(path, deadline);
    } catch (SocketTimeoutException e) {
      throw timedOut();
    } catch (ConnectException e) {
      throw new Problem(Status.BAD_GATEWAY_502, "upstream " + upstream.resolve(path) + " unreachable: " + describe(e));
    } catch (IOException e) {
      throw new Problem(Status.BAD_GATEWAY_502, "upstream " + upstream.resolve(path) + " failed: " + describe(e));
    }
    if (answer.status() != 200) {
      throw new Problem(Status.BAD_GATEWAY_502,
          "upstream " + upstream.resolve(path) + " answered " + answer.status() + " instead of 200");
    }
    return (int) answer.bytes();
  }

  private long deadline() {
    return System.nanoTime() + requestTimeout.toNanos();
  }

  private Duration remaining(long deadline) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw timedOut();
    }
    return Duration.ofNanos(left);
  }

  private Problem timedOut() {
    return new Problem(Status.GATEWAY_TIMEOUT_504, "the request took longer than its "
        + requestTimeout.toMillis() + " ms deadline and was cancelled");
  }

  // ------------------------------------------------------------------ requests and answers

  /** A route's body: the JSON answer, or a {@link Problem}. */
  @FunctionalInterface
  private interface Body {
    String get() throws Exception;
  }

  private static void respond(ServerResponse res, Body body) {
    String json;
    Status status = Status.OK_200;
    try {
      json = body.get();
    } catch (Problem p) {
      status = p.status();
      json = error(p.status(), p.getMessage());
      if (p.retryAfterSeconds() > 0) {
        res.header(HeaderNames.RETRY_AFTER, Integer.toString(p.retryAfterSeconds()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = Status.SERVICE_UNAVAILABLE_503;
      json = error(status, "the server is shutting down");
    } catch (Exception | Error e) { // a bug must not take the server down: answer 500, serve on
      status = Status.INTERNAL_SERVER_ERROR_500;
      json = error(status, "internal error: " + describe(e));
    }
    res.status(status);
    res.header(HeaderValues.CONTENT_TYPE_JSON);
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.send(json);
  }

  /** The one-line JSON error body. */
  static String error(Status status, String message) {
    return "{\"error\":" + quote(message) + ",\"status\":" + status.code() + "}";
  }

  /**
   * The whole-number query parameter {@code name}, between min and max.
   *
   * @throws Problem 400 if it is missing, not a whole number, or out of range
   */
  static long param(ServerRequest req, String name, long min, long max) {
    var values = req.query().all(name, List::of);
    if (values.isEmpty()) {
      throw new Problem(Status.BAD_REQUEST_400, "missing query parameter '" + name
          + "' (a whole number from " + min + " to " + max + ")");
    }
    if (values.size() > 1) {
      throw new Problem(Status.BAD_REQUEST_400, "query parameter '" + name + "' given "
          + values.size() + " times");
    }
    String raw = values.getFirst();
    long value;
    try {
      value = Long.parseLong(raw.strip());
    } catch (NumberFormatException e) {
      throw new Problem(Status.BAD_REQUEST_400, "query parameter '" + name + "' must be a whole number from "
          + min + " to " + max + ", was '" + abbreviate(raw) + "'");
    }
    if (value < min || value > max) {
      throw new Problem(Status.BAD_REQUEST_400, "query parameter '" + name + "' must be from "
          + min + " to " + max + ", was " + value);
    }
    return value;
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    String text = m == null || m.isBlank() ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
    return text.replaceAll("\\s*\\R\\s*", " ").strip();
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Closes the pool, waiting up to {@code grace} for tasks in flight, then cancelling the rest;
   * then the HTTP client. Stop the web server first so no new request arrives.
   *
   * @return true if the pool terminated
   */
  public boolean close(Duration grace) {
    try {
      return pool.close(grace);
    } finally {
      client.close();
    }
  }

  /** {@link #close(Duration)} with a 10 s grace. */
  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  @Override
  public String toString() {
    return "HybridService[" + handlers.label() + ", upstream " + upstream + ", timeout "
        + requestTimeout.toMillis() + " ms, pool " + pool.name() + "]";
  }

  /** Configures a {@link HybridService}. Not thread-safe. */
  public static final class Builder {
    private final URI upstream;
    private Handlers handlers = Handlers.HYBRID;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private int queue = DEFAULT_QUEUE;
    private int maxRequests = DEFAULT_MAX_REQUESTS;

    private Builder(URI upstream) {
      Objects.requireNonNull(upstream, "upstream");
      if (!upstream.isAbsolute() || !("http".equals(upstream.getScheme()) || "https".equals(upstream.getScheme()))
          || upstream.getHost() == null) {
        throw new IllegalArgumentException("upstream must be an http:// or https:// URL, was " + upstream);
      }
      String path = upstream.getRawPath() == null || upstream.getRawPath().isEmpty() ? "/" : upstream.getRawPath();
      this.upstream = upstream.resolve(path.endsWith("/") ? path : path + "/");
    }

    /** Where requests run. Default {@link Handlers#HYBRID}. */
    public Builder handlers(Handlers handlers) {
      this.handlers = Objects.requireNonNull(handlers, "handlers");
      return this;
    }

    /**
     * Each request's deadline: past it the answer is 504 and its task is cancelled. Default
     * {@link #DEFAULT_REQUEST_TIMEOUT}.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder requestTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("request timeout must be positive, was " + timeout);
      }
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * How many requests may wait for a CPU thread (HYBRID) or a platform thread (THREADS) beyond
     * those running; further ones get 503. Default {@link #DEFAULT_QUEUE}.
     *
     * @throws IllegalArgumentException if less than 0
     */
    public Builder queue(int queue) {
      if (queue < 0) {
        throw new IllegalArgumentException("queue must be >= 0, was " + queue);
      }
      this.queue = queue;
      return this;
    }

    /**
     * The most requests in flight in a VIRTUAL or AUTO pool; further ones get 503. Default {@link
     * #DEFAULT_MAX_REQUESTS}.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxRequests(int maxRequests) {
      if (maxRequests < 1) {
        throw new IllegalArgumentException("maxRequests must be >= 1, was " + maxRequests);
      }
      this.maxRequests = maxRequests;
      return this;
    }

    /** Builds the service and starts its pool. */
    public HybridService build() {
      return new HybridService(this);
    }
  }
}
