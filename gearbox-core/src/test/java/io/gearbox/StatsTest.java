package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Pool#stats()} and {@link TaskHandle#timings()}: the counters add up once the pool is idle,
 * CPU time is measured on platform threads and reported as unmeasured (-1) on virtual ones, and
 * the stuck list names only tasks that really outlived their handle.
 */
class StatsTest {

  @RegisterExtension final Harness h = new Harness();

  private final CountDownLatch never = new CountDownLatch(1);

  /**
   * Burns at least a millisecond of this thread's CPU time, measured by the thread's own clock; on a
   * virtual thread, whose CPU clock reads -1, a fixed amount of work instead.
   */
  private static long burnCpu() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long start = mx.getCurrentThreadCpuTime();
    long x = 0;
    int rounds = 0;
    do {
      for (int i = 0; i < 10_000; i++) {
        x += i * 31L ^ x;
      }
      rounds++;
    } while (start >= 0 ? mx.getCurrentThreadCpuTime() - start < 1_000_000 : rounds < 200);
    return x;
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void stats_mixedOutcomes_countersAddUpOnceIdle(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind)) {
      try {
        List<TaskHandle<?>> handles = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          handles.add(pool.submit(() -> "ok"));
        }
        for (int i = 0; i < 3; i++) {
          handles.add(pool.submit(() -> {
            throw new IllegalStateException("fails");
          }));
        }
        CountDownLatch cancelStarted = new CountDownLatch(2);
        List<TaskHandle<Object>> toCancel = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          toCancel.add(pool.submit(() -> {
            cancelStarted.countDown();
            never.await();
            return null;
          }));
        }
        for (int i = 0; i < 2; i++) {
          handles.add(pool.submit(() -> {
            never.await();
            return null;
          }, TaskOptions.timeout(Delays.SHORT)));
        }
        Harness.await(cancelStarted);
        toCancel.forEach(TaskHandle::cancel);
        handles.addAll(toCancel);
        for (TaskHandle<?> handle : handles) {
          assertThat(handle.await(Delays.LONG)).isTrue();
        }
        eventually().untilAsserted(() -> assertThat(pool.stats().stuck()).isEmpty());

        PoolStats stats = pool.stats();
        assertThat(stats.pool()).isEqualTo(pool.name());
        assertThat(stats.kind()).isEqualTo(kind);
        assertThat(stats.submitted()).isEqualTo(12);
        assertThat(stats.succeeded()).isEqualTo(5);
        assertThat(stats.failed()).isEqualTo(3);
        assertThat(stats.cancelled()).isEqualTo(2);
        assertThat(stats.timedOut()).isEqualTo(2);
        assertThat(stats.queued()).isZero();
        assertThat(stats.running()).isZero();
        assertThat(stats.completed()).isEqualTo(stats.submitted());
        assertThat(stats.submitted()).isEqualTo(stats.queued() + stats.running() + stats.succeeded()
            + stats.failed() + stats.cancelled() + stats.timedOut());
        assertThat(stats.totalWallNanos()).isPositive();
        assertThat(stats.totalQueuedNanos()).isNotNegative();
      } finally {
        never.countDown();
      }
      pool.shutdown();
      assertThat(catchRejection(pool)).isInstanceOf(PoolClosedException.class);
      assertThat(pool.stats().rejected()).isEqualTo(1);
      assertThat(pool.stats().submitted()).isEqualTo(12);
    }
  }

  private static Throwable catchRejection(Pool pool) {
    return org.assertj.core.api.Assertions.catchThrowable(() -> pool.submit(() -> 1));
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void timings_platformPools_measureCpuTime(PoolKind kind) {
    try (Pool pool = h.pool(kind)) {
      TaskHandle<Long> handle = pool.submit(StatsTest::burnCpu);
      handle.join();
      TaskTimings timings = handle.timings();
      assertThat(timings.cpuMeasured()).isTrue();
      assertThat(timings.cpuNanos()).isGreaterThanOrEqualTo(1_000_000);
      assertThat(timings.wallNanos()).isPositive();
      assertThat(timings.waitingRatio()).isBetween(0.0, 1.0);
      assertThat(timings.wall()).isEqualTo(Duration.ofNanos(timings.wallNanos()));
      eventually().until(() -> pool.stats().cpuMeasuredTasks() == 1);
      PoolStats stats = pool.stats();
      assertThat(stats.totalCpuNanos()).isGreaterThanOrEqualTo(1_000_000);
      assertThat(stats.totalCpu()).isEqualTo(Duration.ofNanos(stats.totalCpuNanos()));
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void timings_cpuMeasurementTurnedOff_reportsUnmeasured(PoolKind kind) {
    try (Pool pool = h.pool(kind, b -> b.measureCpuTime(false))) {
      TaskHandle<Long> handle = pool.submit(StatsTest::burnCpu);
      handle.join();
      assertThat(handle.timings().cpuNanos()).isEqualTo(-1);
      assertThat(handle.timings().cpuMeasured()).isFalse();
      assertThat(handle.timings().waitingRatio()).isNaN();
      assertThat(pool.stats().cpuMeasuredTasks()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"VIRTUAL"})
  void timings_virtualPool_cpuTimeIsUnmeasured(PoolKind kind) {
    try (Pool pool = h.pool(kind)) {
      TaskHandle<Long> handle = pool.submit(StatsTest::burnCpu);
      handle.join();
      TaskTimings timings = handle.timings();
      assertThat(timings.cpuNanos()).isEqualTo(-1);
      assertThat(timings.cpuMeasured()).isFalse();
      assertThat(timings.waitingRatio()).isNaN();
      assertThat(timings.wallNanos()).isPositive();
      eventually().until(() -> pool.stats().succeeded() == 1);
      PoolStats stats = pool.stats();
      assertThat(stats.cpuMeasuredTasks()).isZero();
      assertThat(stats.totalCpuNanos()).isZero();
      assertThat(stats.parallelism()).isEqualTo(-1);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void timings_sleepingTask_wallCoversTheSleepAndQueueTimeIsKept(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind)) {
      assertThat(pool.submit(() -> 1).timings()).isNotNull();
      TaskHandle<Object> handle = pool.submit(() -> {
        Thread.sleep(Delays.SHORT);
        return null;
      });
      assertThat(handle.timings()).isEqualTo(TaskTimings.NONE);
      handle.join();
      assertThat(handle.timings().wall()).isGreaterThanOrEqualTo(Delays.SHORT);
      assertThat(handle.timings().queuedNanos()).isNotNegative();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void stuck_whileManyTasksFinishNormally_listsNone(PoolKind kind) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    List<StuckTask> seen = new ArrayList<>();
    try (Pool pool = h.pool(kind)) {
      Thread producer = h.startThread("producer", () -> {
        for (int i = 0; i < 20_000 && !stop.get(); i++) {
          pool.submit(() -> 1);
        }
      });
      while (producer.isAlive() && seen.isEmpty()) {
        seen.addAll(pool.stats().stuck());
      }
      stop.set(true);
      Harness.join(producer);
    }
    assertThat(seen).as("tasks that completed normally are not stuck").isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void stats_countersAddUpAfterConcurrentSubmitters(PoolKind kind) throws Exception {
    try (Pool pool = h.pool(kind)) {
      List<Thread> submitters = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        submitters.add(h.startThread("submitter-" + t, () -> {
          for (int i = 0; i < 500; i++) {
            int id = i;
            TaskHandle<Integer> handle = pool.submit(() -> {
              if (id % 10 == 0) {
                throw new IllegalStateException();
              }
              return id;
            });
            if (id % 7 == 0) {
              handle.cancel();
            }
          }
        }));
      }
      for (Thread t : submitters) {
        Harness.join(t);
      }
      pool.shutdown();
      assertThat(pool.awaitTermination(Delays.LONG)).isTrue();
      PoolStats stats = pool.stats();
      assertThat(stats.submitted()).isEqualTo(2_000);
      assertThat(stats.queued()).isZero();
      assertThat(stats.running()).isZero();
      assertThat(stats.completed()).isEqualTo(2_000);
    }
  }
}
