package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link TimeHistogram}: every duration lands in the bucket whose bounds hold it, percentiles are
 * within a quarter of the exact ones, snapshots subtract, and pools fill the histograms in
 * {@link PoolStats} for exactly the tasks in their summed times.
 */
class TimeHistogramTest {

  @RegisterExtension final Harness h = new Harness();

  @Test
  void bucketOf_everyDuration_fallsBetweenItsBucketsBounds() {
    Random random = new Random(42);
    List<Long> samples = new ArrayList<>(List.of(0L, 1L, 1023L, 1024L, 1279L, 1280L, 2047L, 2048L,
        (1L << 42) - 1, 1L << 42, Long.MAX_VALUE, -5L));
    for (int i = 0; i < 10_000; i++) {
      samples.add(random.nextLong(1L << random.nextInt(1, 63)));
    }
    for (long nanos : samples) {
      int b = TimeHistogram.bucketOf(nanos);
      assertThat(b).isBetween(0, TimeHistogram.BUCKETS - 1);
      if (nanos >= 0) {
        assertThat(nanos).as("bucket %d of %d", b, nanos)
            .isGreaterThanOrEqualTo(TimeHistogram.lowerBoundNanos(b));
        if (b < TimeHistogram.BUCKETS - 1) {
          assertThat(nanos).isLessThan(TimeHistogram.upperBoundNanos(b));
        }
      }
    }
    for (int b = 1; b < TimeHistogram.BUCKETS; b++) {
      assertThat(TimeHistogram.lowerBoundNanos(b)).isEqualTo(TimeHistogram.upperBoundNanos(b - 1));
      assertThat(TimeHistogram.bucketOf(TimeHistogram.lowerBoundNanos(b))).isEqualTo(b);
    }
  }

  @Test
  void percentile_uniformMilliseconds_withinAQuarterOfExact() {
    long[] counts = new long[TimeHistogram.BUCKETS];
    for (int ms = 1; ms <= 1000; ms++) {
      counts[TimeHistogram.bucketOf(ms * 1_000_000L)]++;
    }
    TimeHistogram hist = TimeHistogram.of(counts);
    assertThat(hist.count()).isEqualTo(1000);
    for (double q : new double[] {0.01, 0.5, 0.9, 0.99, 1.0}) {
      double exact = q * 1000 * 1_000_000L;
      assertThat((double) hist.percentile(q).toNanos()).as("p%s", q * 100)
          .isBetween(exact * 0.75, exact * 1.25);
    }
    assertThat(TimeHistogram.EMPTY.percentile(0.99)).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> hist.percentile(1.5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("between 0 and 1");
  }

  @Test
  void minus_laterSnapshot_leavesTheDurationsRecordedBetween() {
    long[] early = new long[TimeHistogram.BUCKETS];
    early[TimeHistogram.bucketOf(1_000_000)] = 5;
    long[] late = early.clone();
    late[TimeHistogram.bucketOf(500_000_000)] = 3;
    TimeHistogram between = TimeHistogram.of(late).minus(TimeHistogram.of(early));
    assertThat(between.count()).isEqualTo(3);
    assertThat(between.percentile(0.5).toMillis()).isBetween(375L, 625L);
    assertThatThrownBy(() -> TimeHistogram.of(early).minus(TimeHistogram.of(late)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an earlier");
    assertThatThrownBy(() -> TimeHistogram.of(new long[3]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("130 buckets");
  }

  @Test
  void stats_finishedTasks_areCountedInTheHistogramsAndTheCpuShare() throws Exception {
    try (Pool pool = h.pool(PoolKind.CPU)) {
      for (int i = 0; i < 20; i++) {
        pool.submit(() -> {
          Thread.sleep(2);
          return "ok";
        }).join();
      }
      pool.submit(() -> {
        throw new IllegalStateException("fails");
      }).await(Delays.LONG);
      // a task's timings are added as its code exits, a moment after its handle completes
      Harness.eventually().until(() -> pool.stats().runTimes().count() == 21);
      PoolStats stats = pool.stats();
      assertThat(stats.queueWaits().count()).isEqualTo(21);
      assertThat(stats.runTimes().percentile(0.5)).isGreaterThanOrEqualTo(Duration.ofMillis(1));
      assertThat(stats.cpuMeasuredWallNanos()).isPositive()
          .isLessThanOrEqualTo(stats.totalWallNanos());
      // sleeping tasks: mostly waiting
      assertThat(stats.cpuShare()).isBetween(0.0, 0.5);
    }
    try (Pool virtual = h.pool(PoolKind.VIRTUAL)) {
      virtual.submit(() -> 1).join();
      Harness.eventually().until(() -> virtual.stats().runTimes().count() == 1);
      assertThat(virtual.stats().cpuShare()).as("virtual threads report no CPU time").isNaN();
    }
  }
}
