package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A process pool's timings and stats (issue 11): the wait for a worker JVM to start is its own
 * part of a task's timings (counted as queued, not as run time), and the pool's stats add up the
 * CPU time each task used in its worker.
 */
class ProcessTimingsTest {

  @RegisterExtension final Harness h = new Harness();

  /** In a worker: burns about this much CPU time on its thread. */
  static long burnCpu(long millis) {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long end = mx.getCurrentThreadCpuTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long x = 0;
    while (mx.getCurrentThreadCpuTime() < end) {
      x += System.nanoTime() % 7;
    }
    return x;
  }

  @Test
  void firstTask_waitsForItsWorkerToStart_asStartupPartOfQueuedTimeNotRunTime() throws Exception {
    // built and submitted at once: no worker is up yet, and a JVM takes tens of ms to start
    ProcessPool p = Gearbox.processBuilder().workers(1).replayOutput(false).build();
    h.track(p);
    try (p) {
      ProcessTaskHandle<String> first = p.submit(() -> {
        Thread.sleep(200);
        return "slept";
      });
      assertThat(first.join()).isEqualTo("slept");
      TaskTimings t = first.timings();
      assertThat(t.startupNanos()).as("%s", t).isPositive();
      assertThat(t.queuedNanos()).as("start-up is part of queued: %s", t).isGreaterThanOrEqualTo(t.startupNanos());
      assertThat(t.wall()).as("%s", t).isGreaterThanOrEqualTo(java.time.Duration.ofMillis(200));

      ProcessTaskHandle<String> second = p.submit(() -> "warm");
      second.join();
      assertThat(second.timings().startupNanos()).as("a ready worker: %s", second.timings())
          .isLessThan(t.startupNanos());
      PoolStats s = p.stats();
      assertThat(s.totalQueuedNanos()).as("%s", s)
          .isGreaterThanOrEqualTo(t.startupNanos());
    }
  }

  @Test
  void stats_sumTheCpuTimeTasksUsedInTheirWorkers() {
    try (ProcessPool p = ProcessTests.pool(h, 2, b -> b)) {
      ProcessTaskHandle<Long> a = p.submit(() -> burnCpu(50));
      ProcessTaskHandle<Long> b = p.submit(() -> burnCpu(30));
      a.join();
      b.join();
      assertThat(a.timings().cpuNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
      assertThat(b.timings().cpuNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
      PoolStats s = p.stats();
      assertThat(s.cpuMeasuredTasks()).as("%s", s).isEqualTo(2);
      assertThat(s.totalCpuNanos()).as("%s", s)
          .isEqualTo(a.timings().cpuNanos() + b.timings().cpuNanos());
    }
  }
}
