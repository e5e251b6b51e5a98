package io.gearbox.micrometer;

import io.gearbox.AutoPool;
import io.gearbox.CarrierHog;
import io.gearbox.Pool;
import io.gearbox.PoolStats;
import io.gearbox.ProcessPool;
import io.gearbox.ProcessPoolStats;
import io.gearbox.Route;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for Gearbox pools: one line gives Spring Boot, Prometheus or any other
 * registry the pools' queue, outcomes, timings, CPU time, the auto pool's routes and the process
 * pool's workers.
 *
 * <pre>{@code
 * GearboxMetrics metrics = GearboxMetrics.of(cpu, io, auto);
 * metrics.bindTo(registry);        // or expose it as a MeterBinder bean in Spring Boot
 * ...
 * metrics.close();                 // stops the refresher; the meters stay registered
 * }</pre>
 *
 * <p><b>Meters</b> (tags {@code pool} = the pool's name, {@code kind} = threads, virtual, cpu,
 * processes or auto; Prometheus names in brackets):
 * <ul>
 *   <li>gauges {@code gearbox.pool.tasks.queued}, {@code .running}, {@code .stuck},
 *       {@code gearbox.pool.parallelism} (-1 for pools on virtual threads);
 *   <li>counters {@code gearbox.pool.tasks.submitted}, {@code .rejected},
 *       {@code gearbox.pool.tasks.completed} with {@code state} = succeeded, failed, cancelled,
 *       timed_out [{@code gearbox_pool_tasks_completed_total}];
 *   <li>function timers {@code gearbox.pool.queue.wait} and {@code gearbox.pool.run} (count and
 *       total of the finished tasks) [{@code gearbox_pool_run_seconds_count / _sum}];
 *   <li>time gauges {@code gearbox.pool.queue.wait.recent} and {@code gearbox.pool.run.recent}
 *       with {@code quantile} = 0.5, 0.9, 0.99: percentiles of the tasks that finished in the last
 *       {@link #RECENT} (from the pool's histograms, within 25%);
 *   <li>counters {@code gearbox.pool.cpu.time} and {@code gearbox.pool.cpu.measured.run.time}
 *       (seconds): CPU time of the tasks whose CPU time was measured, and their run time; the
 *       ratio of their rates is the CPU share, the rest is waiting;
 *   <li>auto pools: {@code gearbox.auto.route.decisions} (counter, tags {@code key}: the route's
 *       first verdict plus each change), {@code gearbox.auto.route.runs} (counter, {@code key}),
 *       {@code gearbox.auto.route.target} (gauge, {@code key} and {@code target}: 1 where the key
 *       runs now, 0 elsewhere), {@code gearbox.auto.route.cpu.share} (gauge, {@code key}),
 *       {@code gearbox.auto.carrier.hogs} (counter, {@code type} = hog or pinning),
 *       {@code gearbox.auto.cpu.threads} (gauge);
 *   <li>process pools: gauges {@code gearbox.process.workers.live} and
 *       {@code gearbox.process.workers.rss} (bytes, summed over live workers; Linux only),
 *       counters {@code gearbox.process.workers.spawned}, {@code .crashed}, {@code .recycled},
 *       {@code .killed}, {@code gearbox.process.task.retries}.
 * </ul>
 *
 * <p><b>Refresh.</b> Route keys appear while a pool runs, so their meters are registered by
 * {@link #refresh()}, which also counts new carrier hogs. After the first {@link #bindTo} a
 * virtual thread calls it every {@link #REFRESH_INTERVAL}; call it yourself before a scrape to be
 * exact. {@link #close()} stops that thread.
 *
 * <p><b>Cost.</b> A pool's stats are read at most once per 50 ms however many meters read them.
 *
 * <p>Thread-safe. Give pools distinct names: meters of two pools with one name collide.
 */
public final class GearboxMetrics implements MeterBinder, AutoCloseable {

  /** How often route meters and carrier-hog counts are refreshed: 1 s. */
  public static final Duration REFRESH_INTERVAL = Duration.ofSeconds(1);

  /** The window of the {@code .recent} percentile gauges: 30 s. */
  public static final Duration RECENT = Duration.ofSeconds(30);

  private static final long CACHE_NANOS = 50_000_000L;
  private static final double[] QUANTILES = {0.5, 0.9, 0.99};

  private final List<PoolMeters> pools;
  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
  private final Object refresherLock = new Object();
  private Thread refresher; // guarded by refresherLock
  private boolean closed; // guarded by refresherLock

  private GearboxMetrics(List<Pool> pools) {
    List<PoolMeters> meters = new ArrayList<>();
    for (Pool p : pools) {
      meters.add(new PoolMeters(p));
    }
    this.pools = List.copyOf(meters);
  }

  /**
   * Meters for these pools.
   *
   * @throws NullPointerException if {@code pools} or any pool is null
   * @throws IllegalArgumentException if no pool is given
   */
  public static GearboxMetrics of(Pool... pools) {
    Objects.requireNonNull(pools, "pools");
    return of(Arrays.asList(pools));
  }

  /**
   * Meters for these pools.
   *
   * @throws NullPointerException if {@code pools} or any pool is null
   * @throws IllegalArgumentException if no pool is given
   */
  public static GearboxMetrics of(List<? extends Pool> pools) {
    Objects.requireNonNull(pools, "pools");
    if (pools.isEmpty()) {
      throw new IllegalArgumentException("metrics need at least one pool");
    }
    for (Pool p : pools) {
      Objects.requireNonNull(p, "a pool given to the metrics is null");
    }
    return new GearboxMetrics(List.copyOf(pools));
  }

  /** Registers every pool's meters in {@code registry} and starts the refresher if not running. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    registries.add(registry);
    for (PoolMeters p : pools) {
      p.bind(registry);
    }
    refresh();
    synchronized (refresherLock) {
      if (refresher == null && !closed) {
        refresher = Thread.ofVirtual().name("gearbox-metrics-refresh").start(this::refreshLoop);
      }
    }
  }

  /**
   * Registers meters for route keys that appeared since the last refresh, and counts the carrier
   * hogs reported since. Called every {@link #REFRESH_INTERVAL} after the first bind; safe to call
   * at any time from any thread.
   */
  public synchronized void refresh() {
    for (PoolMeters p : pools) {
      p.refresh(registries);
    }
  }

  /** Stops the refresher and waits for it. The meters stay registered and keep reading the pools. */
  @Override
  public void close() {
    Thread t;
    synchronized (refresherLock) {
      closed = true;
      t = refresher;
    }
    if (t != null) {
      t.interrupt();
      boolean interrupted = false;
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void refreshLoop() {
    while (true) {
      try {
        Thread.sleep(REFRESH_INTERVAL);
      } catch (InterruptedException stop) {
        return;
      }
      refresh();
    }
  }

  /** The resident set size of a process in bytes from {@code /proc}, or -1 where unknown. */
  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.substring(6).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException gone) {
      // not Linux, or the process exited meanwhile
    }
    return -1;
  }

  /** One pool's meters and the state its refresh keeps. */
  private static final class PoolMeters {
    private final Pool pool;
    private final Tags tags;
    private final RecentStats recent = new RecentStats(RECENT.plus(RECENT));
    private long readAt;
    private PoolStats cached;
    private RecentStats.Window window;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    /** The route keys whose meters each registry has. */
    private final Map<MeterRegistry, Set<String>> keysIn = new ConcurrentHashMap<>();
    private final List<MultiGauge> targetGauges = new CopyOnWriteArrayList<>();
    private final List<MultiGauge> shareGauges = new CopyOnWriteArrayList<>();
    private final List<Counter> hogCounters = new CopyOnWriteArrayList<>();
    private final List<Counter> pinningCounters = new CopyOnWriteArrayList<>();
    private CarrierHog lastHog;

    PoolMeters(Pool pool) {
      this.pool = pool;
      this.tags = Tags.of("pool", pool.name(), "kind", pool.kind().name().toLowerCase(Locale.ROOT));
    }

    /** The pool's stats, read at most once per 50 ms. */
    synchronized PoolStats stats() {
      long now = System.nanoTime();
      if (cached == null || now - readAt >= CACHE_NANOS) {
        cached = pool.stats();
        readAt = now;
        recent.add(cached, now);
        window = recent.over(RECENT);
      }
      return cached;
    }

    synchronized RecentStats.Window window() {
      stats();
      return window;
    }

    private Gauge gauge(MeterRegistry r, String name, String help, ToDoubleFunction<PoolStats> f) {
      return Gauge.builder(name, this, m -> f.applyAsDouble(m.stats()))
          .tags(tags).description(help).register(r);
    }

    private void counter(MeterRegistry r, String name, String help, Tags extra,
        ToDoubleFunction<PoolStats> f) {
      FunctionCounter.builder(name, this, m -> f.applyAsDouble(m.stats()))
          .tags(tags.and(extra)).description(help).register(r);
    }

    void bind(MeterRegistry r) {
      gauge(r, "gearbox.pool.tasks.queued", "Accepted tasks not yet started", PoolStats::queued);
      gauge(r, "gearbox.pool.tasks.running", "Tasks whose code is running", PoolStats::running);
      gauge(r, "gearbox.pool.tasks.stuck", "Tasks that ended but whose code ignores the interrupt",
          s -> s.stuck().size());
      gauge(r, "gearbox.pool.parallelism", "Threads of the pool, -1 for virtual threads",
          PoolStats::parallelism);
      counter(r, "gearbox.pool.tasks.submitted", "Tasks accepted", Tags.empty(),
          PoolStats::submitted);
      counter(r, "gearbox.pool.tasks.rejected", "Submits refused", Tags.empty(),
          PoolStats::rejected);
      String done = "Tasks that reached a terminal state";
      counter(r, "gearbox.pool.tasks.completed", done, Tags.of("state", "succeeded"),
          PoolStats::succeeded);
      counter(r, "gearbox.pool.tasks.completed", done, Tags.of("state", "failed"),
          PoolStats::failed);
      counter(r, "gearbox.pool.tasks.completed", done, Tags.of("state", "cancelled"),
          PoolStats::cancelled);
      counter(r, "gearbox.pool.tasks.completed", done, Tags.of("state", "timed_out"),
          PoolStats::timedOut);
      FunctionTimer.builder("gearbox.pool.queue.wait", this,
              m -> m.stats().queueWaits().count(), m -> m.stats().totalQueuedNanos(),
              TimeUnit.NANOSECONDS)
          .tags(tags).description("Time finished tasks spent queued").register(r);
      FunctionTimer.builder("gearbox.pool.run", this,
              m -> m.stats().runTimes().count(), m -> m.stats().totalWallNanos(),
              TimeUnit.NANOSECONDS)
          .tags(tags).description("Time finished tasks ran").register(r);
      for (double q : QUANTILES) {
        Tags quantile = tags.and("quantile", Double.toString(q));
        TimeGauge.builder("gearbox.pool.queue.wait.recent", this, TimeUnit.NANOSECONDS,
                m -> m.window().queueWaits().percentile(q).toNanos())
            .tags(quantile).description("Queue wait percentile of tasks finished in the last 30 s")
            .register(r);
        TimeGauge.builder("gearbox.pool.run.recent", this, TimeUnit.NANOSECONDS,
                m -> m.window().runTimes().percentile(q).toNanos())
            .tags(quantile).description("Run time percentile of tasks finished in the last 30 s")
            .register(r);
      }
      FunctionCounter.builder("gearbox.pool.cpu.time", this, m -> m.stats().totalCpuNanos() / 1e9)
          .tags(tags).baseUnit("seconds")
          .description("CPU time of the finished tasks whose CPU time was measured").register(r);
      FunctionCounter.builder("gearbox.pool.cpu.measured.run.time", this,
              m -> m.stats().cpuMeasuredWallNanos() / 1e9)
          .tags(tags).baseUnit("seconds")
          .description("Run time of the finished tasks whose CPU time was measured").register(r);

      if (pool instanceof AutoPool auto) {
        Gauge.builder("gearbox.auto.cpu.threads", auto, AutoPool::cpuThreads).tags(tags)
            .description("Threads of the auto pool's CPU side").register(r);
        targetGauges.add(MultiGauge.builder("gearbox.auto.route.target").tags(tags)
            .description("1 where the key's tasks run now").register(r));
        shareGauges.add(MultiGauge.builder("gearbox.auto.route.cpu.share").tags(tags)
            .description("CPU share of the key's measured runs (moving average)").register(r));
        hogCounters.add(Counter.builder("gearbox.auto.carrier.hogs").tags(tags.and("type", "hog"))
            .description("Virtual threads that held their carrier past the threshold").register(r));
        pinningCounters.add(Counter.builder("gearbox.auto.carrier.hogs")
            .tags(tags.and("type", "pinning")).description("Pinned virtual threads seen in JFR")
            .register(r));
      }
      if (pool instanceof ProcessPool processes) {
        Gauge.builder("gearbox.process.workers.live", processes,
                p -> p.processStats().live())
            .tags(tags).description("Worker JVMs running now").register(r);
        Gauge.builder("gearbox.process.workers.rss", processes, GearboxMetrics::workersRss)
            .tags(tags).baseUnit("bytes").description("Summed resident memory of the live workers")
            .register(r);
        workerCounter(r, processes, "gearbox.process.workers.spawned", "Workers started",
            ProcessPoolStats::spawned);
        workerCounter(r, processes, "gearbox.process.workers.crashed", "Workers that died",
            ProcessPoolStats::crashed);
        workerCounter(r, processes, "gearbox.process.workers.recycled",
            "Workers retired after their task or memory limit", ProcessPoolStats::recycled);
        workerCounter(r, processes, "gearbox.process.workers.killed",
            "Workers killed because a task ignored its interrupt", ProcessPoolStats::killed);
        workerCounter(r, processes, "gearbox.process.task.retries", "Task attempts re-run",
            ProcessPoolStats::retries);
      }
    }

    private void workerCounter(MeterRegistry r, ProcessPool processes, String name, String help,
        ToDoubleFunction<ProcessPoolStats> f) {
      FunctionCounter.builder(name, processes, p -> f.applyAsDouble(p.processStats()))
          .tags(tags).description(help).register(r);
    }

    /** New route keys get their meters; carrier hogs since the last look are counted. */
    void refresh(List<MeterRegistry> registries) {
      if (!(pool instanceof AutoPool auto)) {
        return;
      }
      List<Route> now = auto.routes();
      for (Route route : now) {
        routes.put(route.key(), route);
        Tags keyed = tags.and("key", route.key());
        for (MeterRegistry r : registries) {
          if (!keysIn.computeIfAbsent(r, x -> ConcurrentHashMap.newKeySet()).add(route.key())) {
            continue; // this registry has the key's meters already
          }
          FunctionCounter.builder("gearbox.auto.route.decisions", this,
                  m -> m.decisions(route.key()))
              .tags(keyed).description("Route verdicts of the key: the first and each change")
              .register(r);
          FunctionCounter.builder("gearbox.auto.route.runs", this,
                  m -> m.runs(route.key()))
              .tags(keyed).description("Finished runs of the key").register(r);
        }
      }
      List<MultiGauge.Row<?>> targets = new ArrayList<>();
      List<MultiGauge.Row<?>> shares = new ArrayList<>();
      for (Route route : now) {
        for (String target : List.of("cpu", "virtual", "processes")) {
          boolean here = route.target().name().toLowerCase(Locale.ROOT).equals(target);
          targets.add(MultiGauge.Row.of(Tags.of("key", route.key(), "target", target),
              here ? 1 : 0));
        }
        if (!Double.isNaN(route.cpuShare())) {
          shares.add(MultiGauge.Row.of(Tags.of("key", route.key()), route.cpuShare()));
        }
      }
      targetGauges.forEach(g -> g.register(targets, true));
      shareGauges.forEach(g -> g.register(shares, true));

      List<CarrierHog> hogs = auto.carrierHogs();
      int from = 0;
      if (lastHog != null) {
        int at = -1;
        for (int i = hogs.size() - 1; i >= 0; i--) {
          if (hogs.get(i) == lastHog) {
            at = i;
            break;
          }
        }
        from = at + 1; // the last one seen rotated out: every entry is new (a lower bound)
      }
      for (CarrierHog hog : hogs.subList(Math.min(from, hogs.size()), hogs.size())) {
        (hog.pinned() ? pinningCounters : hogCounters).forEach(Counter::increment);
      }
      if (!hogs.isEmpty()) {
        lastHog = hogs.getLast();
      }
    }

    private double decisions(String key) {
      Route r = current(key);
      if (r == null || r.reason().startsWith("probing")) {
        return 0;
      }
      return 1 + r.changes();
    }

    private double runs(String key) {
      Route r = current(key);
      return r == null ? 0 : r.runs();
    }

    /** The key's route now: read afresh when the pool is readable, else the last refresh's. */
    private Route current(String key) {
      Route r = ((AutoPool) pool).route(key);
      return r != null ? r : routes.get(key);
    }
  }

  static double workersRss(ProcessPool pool) {
    long sum = 0;
    for (long pid : pool.workerPids()) {
      long rss = rssBytes(pid);
      if (rss < 0) {
        return Double.NaN;
      }
      sum += rss;
    }
    return sum;
  }
}
