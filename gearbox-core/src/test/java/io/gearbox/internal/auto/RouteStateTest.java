package io.gearbox.internal.auto;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.Harness;
import io.gearbox.PoolKind;
import io.gearbox.Saturation;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The first evidence of a key before its verdict, on {@link RouteState} directly: which measured
 * probes let the runs waiting behind them go, and where. (The pool-level promises are in
 * {@code io.gearbox.AutoPoolTest}.)
 */
class RouteStateTest {

  @RegisterExtension final Harness h = new Harness();

  private static final long MS = 1_000_000;

  private Router router;

  @BeforeEach
  void start() {
    router = new Router(new AutoConfig("route-state-test", 64, Saturation.BLOCK, false, 0, 3, 16,
        Duration.ofMillis(100), null, Map.of(), () -> {
          throw new IllegalStateException("no isolation here");
        }, false));
  }

  @AfterEach
  void stop() throws InterruptedException {
    router.shutdown();
    assertThat(router.awaitTermination(30, TimeUnit.SECONDS)).as("router terminated").isTrue();
    assertThat(Thread.interrupted()).isFalse();
  }

  private RouteState fresh() {
    return new RouteState(router, "k", 1, null, false);
  }

  @Test
  void firstEvidence_oneProbeThatLooksComputing_isNotEnoughToSendTheRunsToTheCpuSide() {
    RouteState route = fresh();
    // measured on a crowded machine: a 5 ms fetch, 1.0 ms CPU, 5.7 ms wall, 4.4 ms run queue:
    // share 0.76 over the 1.3 ms left; it sent 98 held fetches to the CPU side
    route.record(1_032_000, 5_728_000, 4_369_000, -1, "test");
    assertThat(route.hasEvidence()).isFalse();
    // runs that find no probe in flight any more go where it points meanwhile
    assertThat(route.side()).isEqualTo(RouteState.Side.CPU);
    assertThat(route.snapshot().reason()).contains("1 of 3 runs measured", "runs wait");

    route.record(50 * MS, 51 * MS, 0, -1, "test"); // a second one computing: now it is evidence
    assertThat(route.hasEvidence()).isTrue();
    assertThat(route.target()).isEqualTo(PoolKind.CPU);
    assertThat(route.snapshot().reason()).endsWith("-> cpu meanwhile");
  }

  @Test
  void firstEvidence_oneProbeThatWaits_isEnoughToSendTheRunsToVirtualThreads() {
    RouteState route = fresh();
    route.record(300_000, 20 * MS, 500_000, -1, "test");
    assertThat(route.hasEvidence()).isTrue();
    assertThat(route.side()).isEqualTo(RouteState.Side.VIRTUAL);
    assertThat(route.snapshot().reason()).endsWith("-> virtual meanwhile");
  }

  @Test
  void reason_whileProbing_saysHowTheWatcherSawAProbe() {
    RouteState waits = fresh();
    waits.seenWaiting("asleep for 600 us, in Unsafe.park");
    assertThat(waits.snapshot().reason()).isEqualTo("probing: 0 of 3 runs measured, a probe was"
        + " seen waiting (asleep for 600 us, in Unsafe.park) -> virtual meanwhile");
    RouteState computes = fresh();
    computes.seenComputing("running for 100 ms");
    assertThat(computes.snapshot().reason()).isEqualTo("probing: 0 of 3 runs measured, a probe"
        + " was seen computing (running for 100 ms) -> cpu meanwhile");
    computes.seenWaiting("asleep in I/O in SocketDispatcher.read0"); // the first sight stays
    assertThat(computes.snapshot().reason()).contains("(running for 100 ms) -> cpu meanwhile");
  }

  @Test
  void firstEvidence_probeSeenWaiting_isNotUndoneByOneProbeThatLooksComputing() {
    RouteState route = fresh();
    route.seenWaiting("test");
    route.record(1_032_000, 5_728_000, 4_369_000, -1, "test");
    assertThat(route.hasEvidence()).isTrue();
    assertThat(route.side()).isEqualTo(RouteState.Side.VIRTUAL);
  }

  @Test
  void verdict_stillTakesTheMedianOfTheProbes() {
    RouteState route = fresh();
    route.record(1_032_000, 5_728_000, 4_369_000, -1, "test"); // cold, computing-looking
    route.record(300_000, 20 * MS, 0, -1, "test");
    route.record(400_000, 20 * MS, 0, -1, "test");
    assertThat(route.target()).isEqualTo(PoolKind.VIRTUAL);
    assertThat(route.snapshot().reason()).doesNotStartWith("probing").endsWith("-> virtual");
  }

  @Test
  void reason_wordsTheNumbersOfTheLastMeasuredRun_andACarrierHogUntilTheNextOne() {
    RouteState route = fresh();
    for (int i = 0; i < 3; i++) {
      route.record(MS, 20 * MS, 0, -1, "test"); // 5%: the verdict, virtual
    }
    assertThat(route.snapshot().reason()).isEqualTo("cpu 5%, waiting 95% over 3 runs -> virtual");
    route.record(3 * MS, 20 * MS, 0, -1, "test"); // 15%: the average moves, the route does not
    assertThat(route.snapshot().reason()).isEqualTo("cpu 8%, waiting 92% over 4 runs -> virtual");

    route.hog(Duration.ofMillis(150));
    assertThat(route.target()).isEqualTo(PoolKind.CPU);
    assertThat(route.snapshot().reason()).isEqualTo("held a carrier 150 ms without parking -> cpu");
    route.record(19 * MS, 20 * MS, 0, -1, "test"); // 95% on the CPU side: the numbers again
    assertThat(route.snapshot().reason()).isEqualTo("cpu 99%, waiting 1% over 5 runs -> cpu");
  }

  @Test
  void gcPause_isNeitherComputingNorWaiting_andASpoiledRunIsNotMeasured() {
    RouteState route = fresh();
    // measured at load 15 with a 2 MB young generation: a 20 ms spin (CPU time) whose probe
    // covered a 124 ms G1 pause read 0.14 and sent a compute burst to virtual threads
    assertThat(route.record(20 * MS, 517 * MS, 372 * MS, 124 * MS, -1, "test"))
        .as("a run the pause took most of").isFalse();
    assertThat(route.snapshot().measuredRuns()).isZero();
    assertThat(route.hasEvidence()).isFalse();

    // a shorter pause is left out of the share: a spin stays computing...
    assertThat(route.record(20 * MS, 60 * MS, 30 * MS, 9 * MS, -1, "test")).isTrue();
    assertThat(route.snapshot().cpuShare()).isGreaterThan(0.9);
    // ...and a sleep stays waiting
    RouteState sleeper = fresh();
    assertThat(sleeper.record(MS / 10, 100 * MS, 0, 30 * MS, -1, "test")).isTrue();
    assertThat(sleeper.snapshot().cpuShare()).isLessThan(0.01);
    assertThat(sleeper.side()).isEqualTo(RouteState.Side.VIRTUAL);
    // a 1 ms sleep inside a 30 ms pause says nothing either way
    assertThat(fresh().record(MS / 10, 31 * MS, 0, 30 * MS, -1, "test")).isFalse();
    // an unknown pause (-1) is no pause
    RouteState unknown = fresh();
    assertThat(unknown.record(20 * MS, 21 * MS, 0, -1, -1, "test")).isTrue();
    assertThat(unknown.snapshot().cpuShare()).isGreaterThan(0.9);
  }

  @Test
  void gcPause_spoilingAKeysRunsAgainAndAgain_isTheKeysOwnAndCounted() {
    RouteState route = fresh();
    for (int i = 0; i < 3; i++) { // the probe count of this router
      assertThat(route.record(20 * MS, 60 * MS, 0, 40 * MS, -1, "test")).isFalse();
    }
    // an allocating key makes its own pauses: measured with them, as before, not held forever
    assertThat(route.record(20 * MS, 60 * MS, 0, 40 * MS, -1, "test")).isTrue();
    assertThat(route.snapshot().measuredRuns()).isEqualTo(1);
  }
}
