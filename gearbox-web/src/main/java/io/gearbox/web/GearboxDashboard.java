package io.gearbox.web;

import io.gearbox.Pool;
import io.gearbox.micrometer.GearboxMetrics;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * A live view of Gearbox pools, as a Helidon {@link HttpService} that users mount into their own
 * routing: {@code routing.register("/gearbox", GearboxDashboard.of(cpu, io, auto))}.
 *
 * <p>It serves, under its mount point:
 * <ul>
 *   <li>{@code /}: a self-contained page (uPlot, bundled from its WebJar; nothing from a CDN, so
 *       it works offline) showing every pool live: rates, queue and threads, outcomes,
 *       percentiles, CPU vs waiting share, the bottleneck, the auto pool's route table and carrier
 *       hogs, the process pool's workers;
 *   <li>{@code /events}: Server-Sent Events, one {@code snapshot} event every
 *       {@link #EVENT_INTERVAL} (the {@code /stats} document);
 *   <li>{@code /stats}: the snapshot as JSON;
 *   <li>{@code /metrics}: the pools' {@link GearboxMetrics} in Prometheus text format.
 * </ul>
 *
 * <p><b>Cost.</b> Snapshots are shared: one is built at most every 200 ms however many pages
 * watch, and nothing is built while nobody asks. Measured cost while idle: see docs/dashboard.md.
 *
 * <p>Thread safety: safe to share; every handler may run on many virtual threads at once.
 */
public final class GearboxDashboard implements HttpService {

  /** How often {@code /events} sends a snapshot: 400 ms (2.5 a second). */
  public static final Duration EVENT_INTERVAL = Duration.ofMillis(400);

  private static final String UPLOT = "META-INF/resources/webjars/uplot/" + uplotVersion()
      + "/dist/";

  private final List<Pool> pools;
  private final Snapshots snapshots;
  private final PrometheusMeterRegistry registry;
  private final GearboxMetrics metrics;
  private final byte[] page;
  private final byte[] uplotJs;
  private final byte[] uplotCss;

  private GearboxDashboard(List<Pool> pools) {
    this.pools = pools;
    this.snapshots = new Snapshots(pools);
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.metrics = GearboxMetrics.of(pools);
    metrics.bindTo(registry);
    // No background refresher: /metrics refreshes the route meters itself before each scrape,
    // so a dashboard holds no thread of its own. The meters keep working after close().
    metrics.close();
    this.page = resource("io/gearbox/web/dashboard.html");
    this.uplotJs = resource(UPLOT + "uPlot.iife.min.js");
    this.uplotCss = resource(UPLOT + "uPlot.min.css");
  }

  /**
   * A dashboard of these pools, in this order.
   *
   * @throws NullPointerException if {@code pools} or any pool is null
   * @throws IllegalArgumentException if no pool is given
   */
  public static GearboxDashboard of(Pool... pools) {
    Objects.requireNonNull(pools, "pools");
    if (pools.length == 0) {
      throw new IllegalArgumentException("a dashboard needs at least one pool");
    }
    for (Pool p : pools) {
      Objects.requireNonNull(p, "a pool given to the dashboard is null");
    }
    return new GearboxDashboard(List.copyOf(Arrays.asList(pools)));
  }

  /** The pools shown, in order. */
  public List<Pool> pools() {
    return pools;
  }

  @Override
  public void routing(HttpRules rules) {
    rules.get("/", this::page)
        .get("/uplot.js", (req, res) -> send(res, "text/javascript", uplotJs))
        .get("/uplot.css", (req, res) -> send(res, "text/css", uplotCss))
        .get("/stats", this::stats)
        .get("/events", this::events)
        .get("/metrics", this::metrics);
  }

  private void page(ServerRequest req, ServerResponse res) {
    // The page loads its parts relative to itself: /gearbox must be /gearbox/.
    String path = req.path().absolute().path();
    if (!path.endsWith("/")) {
      res.status(Status.MOVED_PERMANENTLY_301).header(HeaderNames.LOCATION, path + "/").send();
      return;
    }
    res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.send(page);
  }

  private void stats(ServerRequest req, ServerResponse res) {
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.send(snapshots.json());
  }

  private void events(ServerRequest req, ServerResponse res) {
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    try (SseSink sink = res.sink(SseSink.TYPE)) {
      while (!Thread.currentThread().isInterrupted()) {
        sink.emit(SseEvent.builder().name("snapshot").data(snapshots.json()).build());
        Thread.sleep(EVENT_INTERVAL);
      }
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
    } catch (UncheckedIOException | IllegalStateException gone) {
      // the client went away (or the server is stopping): this stream is over
    }
  }

  private void metrics(ServerRequest req, ServerResponse res) {
    metrics.refresh();
    res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.send(registry.scrape());
  }

  private static void send(ServerResponse res, String type, byte[] body) {
    res.header(HeaderNames.CONTENT_TYPE, type + "; charset=utf-8");
    res.header(HeaderNames.CACHE_CONTROL, "max-age=3600");
    res.send(body);
  }

  private static byte[] resource(String name) {
    try (InputStream in = GearboxDashboard.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name + " (a broken build)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bundled uPlot WebJar's version, read from its Maven properties. */
  private static String uplotVersion() {
    Properties p = new Properties();
    String name = "META-INF/maven/org.webjars.npm/uplot/pom.properties";
    try (InputStream in = GearboxDashboard.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the uPlot WebJar is not on the class path (" + name + ")");
      }
      p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }
}
