package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gearbox.cli.bench.Stats.Interval;
import io.gearbox.cli.bench.Stats.Separation;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap behind the matrix's verdicts, on synthetic runs whose separation is known: drawn
 * from seeded distributions, so every run of this test sees the same numbers.
 */
class StatsTest {

  /** n runs of a tool whose true median is {@code median}, with noise of relative {@code spread}. */
  private static double[] runs(long seed, int n, double median, double spread) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] runs = new double[n];
    for (int i = 0; i < n; i++) {
      // log-normal-ish: a slow run can be far slower, a fast one only a little faster, as on a
      // busy machine
      runs[i] = median * Math.exp(spread * (random.nextDouble() * 2 - 1) + spread * spread
          * (random.nextDouble() < 0.2 ? 4 : 0));
    }
    return runs;
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(Stats.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(Stats.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    assertThat(Stats.median(new double[0])).isNaN();
  }

  @Test
  void twoFoldSeparationWithModestNoiseIsSeparatedAndTheIntervalHoldsTheTrueRatio() {
    double[] slow = runs(1, 7, 0.200, 0.10);
    double[] fast = runs(2, 7, 0.100, 0.10);
    Interval ci = Stats.ratioOfMedians(slow, fast);
    assertThat(ci.low()).isGreaterThan(1.0).isLessThanOrEqualTo(ci.ratio());
    assertThat(ci.high()).isGreaterThanOrEqualTo(ci.ratio());
    assertThat(ci.low()).isLessThan(2.2);
    assertThat(ci.high()).isGreaterThan(1.8);
    assertThat(Stats.separation(ci, slow.length, fast.length, 1.05)).isEqualTo(Separation.SEPARATED);
  }

  @Test
  void aSmallGapBuriedInNoiseIsUncertainUntilThereAreEnoughRuns() {
    // 10% apart, 30% noise: five runs each cannot tell; two hundred each can
    double[] slow5 = runs(3, 5, 0.110, 0.30);
    double[] fast5 = runs(4, 5, 0.100, 0.30);
    assertThat(Stats.separation(Stats.ratioOfMedians(slow5, fast5), 5, 5, 1.05))
        .isEqualTo(Separation.UNCERTAIN);
    double[] slow = runs(5, 200, 0.110, 0.30);
    double[] fast = runs(6, 200, 0.100, 0.30);
    Interval ci = Stats.ratioOfMedians(slow, fast);
    assertThat(Stats.separation(ci, 200, 200, 1.05)).isEqualTo(Separation.SEPARATED);
    assertThat(ci.low()).isGreaterThan(1.0).isLessThan(1.10);
  }

  @Test
  void equalToolsWithTightRunsAreATieAndWithLooseRunsUncertain() {
    double[] a = runs(7, 15, 0.100, 0.01);
    double[] b = runs(8, 15, 0.100, 0.01);
    assertThat(Stats.separation(Stats.ratioOfMedians(a, b), 15, 15, 1.05)).isEqualTo(Separation.TIE);
    double[] c = runs(9, 5, 0.100, 0.40);
    double[] d = runs(10, 5, 0.100, 0.40);
    assertThat(Stats.separation(Stats.ratioOfMedians(c, d), 5, 5, 1.05))
        .isEqualTo(Separation.UNCERTAIN);
  }

  @Test
  void fewerThanFiveRunsAreNeverSeparated() {
    Interval ci = Stats.ratioOfMedians(new double[] {10, 10}, new double[] {1, 1});
    assertThat(ci.low()).isEqualTo(10.0); // the bootstrap of two equal numbers only repeats them
    assertThat(Stats.separation(ci, 4, 4, 1.05)).isEqualTo(Separation.UNCERTAIN);
    assertThat(Stats.separation(ci, 5, 5, 1.05)).isEqualTo(Separation.SEPARATED);
  }

  @Test
  void withFewRunsOnlyRunsThatDoNotOverlapAtAllSeparate() {
    // 3 against 3, every slow run slower than every fast one: 1 chance in 20 by luck
    assertThat(Stats.compare(new double[] {3.0, 2.9, 3.1}, new double[] {0.1, 0.12, 0.11}, 1.05))
        .isEqualTo(Separation.SEPARATED);
    // one overlapping run: uncertain, however far apart the medians
    assertThat(Stats.compare(new double[] {3.0, 0.1, 3.1}, new double[] {0.1, 0.12, 0.11}, 1.05))
        .isEqualTo(Separation.UNCERTAIN);
    // 2 against 2 apart is 1 chance in 6: not enough
    assertThat(Stats.compare(new double[] {3.0, 3.1}, new double[] {0.1, 0.12}, 1.05))
        .isEqualTo(Separation.UNCERTAIN);
    assertThat(Stats.binomial(6, 3)).isEqualTo(20.0);
    assertThat(Stats.binomial(8, 4)).isEqualTo(70.0);
    // from five runs a side, the bootstrap decides
    double[] slow = runs(13, 5, 0.2, 0.05);
    double[] fast = runs(14, 5, 0.1, 0.05);
    assertThat(Stats.compare(slow, fast, 1.05)).isEqualTo(
        Stats.separation(Stats.ratioOfMedians(slow, fast), 5, 5, 1.05));
  }

  @Test
  void theSameRunsGiveTheSameIntervalAndTheSeedMatters() {
    double[] slow = runs(11, 6, 0.15, 0.2);
    double[] fast = runs(12, 6, 0.10, 0.2);
    assertThat(Stats.ratioOfMedians(slow, fast)).isEqualTo(Stats.ratioOfMedians(slow, fast));
    Interval other = Stats.ratioOfMedians(slow, fast, Stats.RESAMPLES, Stats.CONFIDENCE, 99);
    assertThat(other.ratio()).isEqualTo(Stats.ratioOfMedians(slow, fast).ratio());
  }

  @Test
  void aRatioNeedsRunsOnBothSides() {
    assertThatThrownBy(() -> Stats.ratioOfMedians(new double[0], new double[] {1}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both sides");
  }
}
