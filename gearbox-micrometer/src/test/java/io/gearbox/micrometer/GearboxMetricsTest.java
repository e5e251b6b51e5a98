package io.gearbox.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gearbox.AutoPool;
import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.PoolKind;
import io.gearbox.ProcessPool;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.testing.Delays;
import io.gearbox.testing.Leaks;
import io.gearbox.testing.Work;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link GearboxMetrics} against real pools: every meter reads what the pool did, route keys and
 * carrier hogs appear as the auto pool meets them, process workers are counted with their memory,
 * and the Prometheus text carries it all.
 */
class GearboxMetricsTest {

  @RegisterExtension final Leaks leaks = new Leaks();

  private final CountDownLatch never = new CountDownLatch(1);

  private static double counter(MeterRegistry r, String name, String... tags) {
    return r.get(name).tags(tags).functionCounter().count();
  }

  private static double gauge(MeterRegistry r, String name, String... tags) {
    return r.get(name).tags(tags).gauge().value();
  }

  @Test
  void metrics_finishedTasks_areCountedPerTerminalStateAndTimed() throws Exception {
    try (Pool pool = Gearbox.threadsBuilder().name("work").threads(2).build();
        GearboxMetrics metrics = GearboxMetrics.of(pool)) {
      List<TaskHandle<?>> handles = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        handles.add(pool.submit(() -> Work.nap(Duration.ofMillis(5))));
      }
      for (int i = 0; i < 2; i++) {
        handles.add(pool.submit(() -> {
          throw new IllegalStateException("fails");
        }));
      }
      TaskHandle<Object> cancelled = pool.submit(() -> {
        never.await();
        return null;
      });
      handles.add(pool.submit(() -> {
        never.await();
        return null;
      }, TaskOptions.timeout(Delays.scaled(Duration.ofMillis(100)))));
      await().atMost(Delays.LONG).until(() -> pool.stats().running() >= 1);
      cancelled.cancel();
      handles.add(cancelled);
      for (TaskHandle<?> h : handles) {
        assertThat(h.await(Delays.LONG)).isTrue();
      }
      await().atMost(Delays.LONG).until(() -> pool.stats().runTimes().count() == 9);

      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      metrics.bindTo(registry);
      String[] work = {"pool", "work", "kind", "threads"};
      assertThat(counter(registry, "gearbox.pool.tasks.submitted", work)).isEqualTo(9);
      assertThat(counter(registry, "gearbox.pool.tasks.completed", "pool", "work", "state",
          "succeeded")).isEqualTo(5);
      assertThat(counter(registry, "gearbox.pool.tasks.completed", "pool", "work", "state",
          "failed")).isEqualTo(2);
      assertThat(counter(registry, "gearbox.pool.tasks.completed", "pool", "work", "state",
          "cancelled")).isEqualTo(1);
      assertThat(counter(registry, "gearbox.pool.tasks.completed", "pool", "work", "state",
          "timed_out")).isEqualTo(1);
      assertThat(gauge(registry, "gearbox.pool.tasks.queued", work)).isZero();
      assertThat(gauge(registry, "gearbox.pool.tasks.running", work)).isZero();
      assertThat(gauge(registry, "gearbox.pool.parallelism", work)).isEqualTo(2);

      FunctionTimer run = registry.get("gearbox.pool.run").tags(work).functionTimer();
      assertThat(run.count()).isEqualTo(9);
      assertThat(run.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(25);
      FunctionTimer wait = registry.get("gearbox.pool.queue.wait").tags(work).functionTimer();
      assertThat(wait.count()).isEqualTo(9);
      TimeGauge p50 = registry.get("gearbox.pool.run.recent").tags("pool", "work", "quantile",
          "0.5").timeGauge();
      TimeGauge p99 = registry.get("gearbox.pool.run.recent").tags("pool", "work", "quantile",
          "0.99").timeGauge();
      // the recent window starts at the first read: nothing finished inside it yet
      assertThat(p99.value(TimeUnit.MILLISECONDS)).isZero();
      pool.submit(() -> Work.nap(Duration.ofMillis(30))).join();
      await().atMost(Delays.LONG).until(() -> p99.value(TimeUnit.MILLISECONDS) >= 22);
      assertThat(p50.value(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(
          p99.value(TimeUnit.MILLISECONDS));
      // platform threads measure CPU time; the naps spent almost all of it waiting
      double cpu = counter(registry, "gearbox.pool.cpu.time", work);
      double measuredRun = counter(registry, "gearbox.pool.cpu.measured.run.time", work);
      assertThat(measuredRun).isPositive();
      assertThat(cpu).isBetween(0.0, measuredRun);
    }
  }

  @Test
  void metrics_gauges_followQueuedAndRunningTasks() throws Exception {
    try (Pool pool = Gearbox.threadsBuilder().name("narrow").threads(1).build();
        GearboxMetrics metrics = GearboxMetrics.of(pool)) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      metrics.bindTo(registry);
      CountDownLatch release = new CountDownLatch(1);
      List<TaskHandle<?>> handles = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        handles.add(pool.submit(() -> {
          release.await();
          return null;
        }));
      }
      await().atMost(Delays.LONG).until(() ->
          gauge(registry, "gearbox.pool.tasks.running", "pool", "narrow") == 1
              && gauge(registry, "gearbox.pool.tasks.queued", "pool", "narrow") == 3);
      release.countDown();
      for (TaskHandle<?> h : handles) {
        h.join();
      }
      await().atMost(Delays.LONG).until(() ->
          gauge(registry, "gearbox.pool.tasks.running", "pool", "narrow") == 0
              && gauge(registry, "gearbox.pool.tasks.queued", "pool", "narrow") == 0);
    }
  }

  @Test
  void metrics_autoPool_routesAndCarrierHogsAppearAsTheyHappen() throws Exception {
    try (AutoPool pool = Gearbox.autoBuilder().name("router").probeRuns(3)
            .route("hog", PoolKind.VIRTUAL).build();
        GearboxMetrics metrics = GearboxMetrics.of(pool)) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      metrics.bindTo(registry);
      assertThat(registry.find("gearbox.auto.route.decisions").meters()).isEmpty();
      for (int i = 0; i < 6; i++) {
        pool.submit(() -> Work.nap(Duration.ofMillis(20)), TaskOptions.named("fetch")).join();
        pool.submit(() -> Work.spin(Duration.ofMillis(20)), TaskOptions.named("crunch")).join();
      }
      long giveUp = System.nanoTime() + Delays.LONG.toNanos();
      pool.submit(() -> {
        long x = 0;
        while (pool.carrierHogs().isEmpty() && System.nanoTime() < giveUp) {
          x += Work.spin(Duration.ofMillis(10));
        }
        return x;
      }, TaskOptions.named("hog")).join();
      assertThat(pool.carrierHogs()).as("the hog was reported").isNotEmpty();
      metrics.refresh();

      String[] fetch = {"pool", "router", "key", "fetch"};
      String[] crunch = {"pool", "router", "key", "crunch"};
      assertThat(counter(registry, "gearbox.auto.route.decisions", fetch)).isGreaterThanOrEqualTo(1);
      assertThat(counter(registry, "gearbox.auto.route.runs", fetch)).isEqualTo(6);
      assertThat(gauge(registry, "gearbox.auto.route.target", "key", "fetch", "target", "virtual"))
          .isEqualTo(1);
      assertThat(gauge(registry, "gearbox.auto.route.target", "key", "fetch", "target", "cpu"))
          .isZero();
      assertThat(gauge(registry, "gearbox.auto.route.target", "key", "crunch", "target", "cpu"))
          .as("crunch: %s", pool.route("crunch")).isEqualTo(1);
      assertThat(gauge(registry, "gearbox.auto.route.cpu.share", crunch)).isGreaterThan(0.5);
      assertThat(gauge(registry, "gearbox.auto.route.cpu.share", fetch)).isLessThan(0.5);
      assertThat(counter(registry, "gearbox.auto.route.decisions", "key", "hog"))
          .as("a fixed route is one verdict").isEqualTo(1);
      double hogs = registry.get("gearbox.auto.carrier.hogs").tags("type", "hog").counter().count();
      assertThat(hogs).isEqualTo(pool.carrierHogs().stream().filter(h -> !h.pinned()).count());
      metrics.refresh();
      assertThat(registry.get("gearbox.auto.carrier.hogs").tags("type", "hog").counter().count())
          .as("a hog is counted once").isEqualTo(hogs);
      assertThat(gauge(registry, "gearbox.auto.cpu.threads", "pool", "router"))
          .isGreaterThanOrEqualTo(1);

      // a registry bound later gets the keys seen before it
      SimpleMeterRegistry late = new SimpleMeterRegistry();
      metrics.bindTo(late);
      assertThat(counter(late, "gearbox.auto.route.runs", fetch)).isEqualTo(6);
      assertThat(counter(registry, "gearbox.auto.route.runs", fetch)).isEqualTo(6);
    }
  }

  @Test
  void metrics_processPool_countsWorkersAndTheirMemory() throws Exception {
    try (ProcessPool pool = Gearbox.processBuilder().name("isolated").workers(1).build();
        GearboxMetrics metrics = GearboxMetrics.of(pool)) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      metrics.bindTo(registry);
      assertThat(pool.invoke(() -> 6 * 7)).isEqualTo(42);
      String[] isolated = {"pool", "isolated", "kind", "processes"};
      assertThat(gauge(registry, "gearbox.process.workers.live", isolated)).isEqualTo(1);
      assertThat(gauge(registry, "gearbox.process.workers.rss", isolated))
          .as("a worker JVM holds megabytes").isGreaterThan(1 << 20);
      assertThat(counter(registry, "gearbox.process.workers.spawned", isolated)).isEqualTo(1);
      assertThat(counter(registry, "gearbox.process.workers.crashed", isolated)).isZero();
      assertThat(counter(registry, "gearbox.pool.tasks.completed", "pool", "isolated", "state",
          "succeeded")).isEqualTo(1);
    }
  }

  @Test
  void prometheus_scrape_carriesPoolMetricsInTextFormat() throws Exception {
    try (Pool pool = Gearbox.cpuBuilder().name("crunch").build();
        GearboxMetrics metrics = GearboxMetrics.of(pool)) {
      pool.submit(() -> Work.spin(Duration.ofMillis(5))).join();
      await().atMost(Delays.LONG).until(() -> pool.stats().runTimes().count() == 1);
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      metrics.bindTo(registry);
      String text = registry.scrape();
      assertThat(text)
          .contains("# TYPE gearbox_pool_tasks_completed_total counter")
          .contains("gearbox_pool_tasks_completed_total{kind=\"cpu\",pool=\"crunch\",state=\"succeeded\"} 1.0")
          .contains("gearbox_pool_run_seconds_count{kind=\"cpu\",pool=\"crunch\"} 1\n")
          .contains("gearbox_pool_tasks_queued{kind=\"cpu\",pool=\"crunch\"} 0.0")
          .contains("gearbox_pool_cpu_time_seconds_total{kind=\"cpu\",pool=\"crunch\"}")
          .contains("gearbox_pool_run_recent_seconds{kind=\"cpu\",pool=\"crunch\",quantile=\"0.99\"}");
    }
  }

  @Test
  void of_badInput_failsWithOneClearMessage() {
    assertThatThrownBy(GearboxMetrics::of).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("metrics need at least one pool");
    assertThatThrownBy(() -> GearboxMetrics.of((Pool) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("a pool given to the metrics is null");
    assertThatThrownBy(() -> GearboxMetrics.of((Pool[]) null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void close_stopsTheRefresher() throws Exception {
    try (Pool pool = Gearbox.virtual()) {
      GearboxMetrics metrics = GearboxMetrics.of(pool);
      metrics.bindTo(new SimpleMeterRegistry());
      assertThat(Leaks.alive()).contains("gearbox-metrics-refresh");
      metrics.close();
      assertThat(Leaks.alive()).doesNotContain("gearbox-metrics-refresh");
    }
  }
}
