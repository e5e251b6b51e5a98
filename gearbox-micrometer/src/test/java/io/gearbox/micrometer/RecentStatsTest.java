package io.gearbox.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gearbox.PoolKind;
import io.gearbox.PoolStats;
import io.gearbox.TimeHistogram;
import io.gearbox.testing.Leaks;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RecentStats}: windows are the difference of the snapshots at their ends, rates are per
 * second of the window, and the history stays bounded however often snapshots come.
 */
class RecentStatsTest {

  @RegisterExtension final Leaks leaks = new Leaks();

  private static final long SECOND = 1_000_000_000L;

  /** A snapshot after {@code n} tasks that each queued 1 ms and ran 10 ms, half of it on a CPU. */
  private static PoolStats after(long n) {
    long[] waits = new long[TimeHistogram.BUCKETS];
    long[] runs = new long[TimeHistogram.BUCKETS];
    waits[TimeHistogram.bucketOf(1_000_000)] = n;
    runs[TimeHistogram.bucketOf(10_000_000)] = n;
    return new PoolStats("p", PoolKind.CPU, 2, 512, n + 3, 0, 1, 2, n, 0, 0, 0,
        n * 1_000_000, n * 10_000_000, n * 5_000_000, n, List.of(),
        n * 10_000_000, TimeHistogram.of(waits), TimeHistogram.of(runs));
  }

  @Test
  void over_window_isTheDifferenceOfItsEnds() {
    RecentStats recent = new RecentStats(Duration.ofSeconds(10));
    assertThat(recent.over(Duration.ofSeconds(2))).isNull();
    for (int s = 0; s <= 10; s++) {
      recent.add(after(100L * s), s * SECOND); // 100 tasks a second
    }
    RecentStats.Window two = recent.over(Duration.ofSeconds(2));
    assertThat(two.over()).isEqualTo(Duration.ofSeconds(2));
    assertThat(two.submittedPerSecond()).isEqualTo(100.0);
    assertThat(two.completedPerSecond()).isEqualTo(100.0);
    assertThat(two.succeeded()).isEqualTo(200);
    assertThat(two.runTimes().count()).isEqualTo(200);
    assertThat(two.runTimes().percentile(0.5).toMillis()).isBetween(8L, 12L);
    assertThat(two.cpuShare()).isEqualTo(0.5);
    assertThat(recent.over(Duration.ofSeconds(60)).over())
        .as("as much as is kept").isEqualTo(Duration.ofSeconds(10));
    assertThat(recent.latest().succeeded()).isEqualTo(1000);
  }

  @Test
  void add_manySnapshots_keepsTheHistoryBounded() {
    RecentStats recent = new RecentStats(Duration.ofSeconds(10));
    long t = 0;
    for (int i = 0; i < 100_000; i++) {
      t += SECOND / 1000; // a snapshot every millisecond for 100 s
      recent.add(after(i), t);
    }
    RecentStats.Window all = recent.over(Duration.ofSeconds(60));
    assertThat(all.over()).isBetween(Duration.ofSeconds(10), Duration.ofMillis(11_000));
    assertThat(recent.over(Duration.ofSeconds(1)).over())
        .isBetween(Duration.ofSeconds(1), Duration.ofMillis(1_600));
  }

  @Test
  void badInput_failsClearly() {
    assertThatThrownBy(() -> new RecentStats(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    assertThatThrownBy(() -> new RecentStats(Duration.ofSeconds(1)).add(null, 0))
        .isInstanceOf(NullPointerException.class).hasMessage("stats");
  }
}
