package io.gearbox.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.testing.Leaks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Runs each example's main as a user would, and checks what it prints. No timing is asserted. */
@ExtendWith(Leaks.class)
class ExamplesTest {

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream original;

  @BeforeEach
  void captureStdout() {
    original = System.out;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStdout() {
    System.setOut(original);
  }

  private List<String> lines() {
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void seedThreadingFetchesTenUrlsTwice() throws Exception {
    SeedThreading.main(new String[0]);

    assertThat(lines()).filteredOn(l -> l.startsWith("Got 1256 bytes from http://127.0.0.1:")).hasSize(20);
    assertThat(lines()).anyMatch(l -> l.matches("Sequential: \\d+\\.\\d\\ds"));
    assertThat(lines()).anyMatch(l -> l.matches("Threaded: \\d+\\.\\d\\ds"));
  }

  @Test
  void seedMultiprocessingAgreesWithTheSequentialRun() {
    SeedMultiprocessing.main(new String[] {"0.5"});

    assertThat(lines()).anyMatch(l -> l.matches("Sequential: \\d+\\.\\d\\ds"));
    assertThat(lines()).anyMatch(l -> l.matches("Parallel: \\d+\\.\\d\\ds \\(\\d+ cores\\)"));
    // sum(range(n * 5,000,000)) for n = 1..4
    assertThat(SeedMultiprocessing.run(0.5)).containsExactly(
        12_499_997_500_000L, 49_999_995_000_000L, 112_499_992_500_000L, 199_999_990_000_000L);
  }

  @Test
  void seedAsyncGathersThenCancelsTheSlowFetch() throws Exception {
    SeedAsync.main(new String[0]);

    assertThat(lines()).filteredOn("Got 1256 bytes"::equals).hasSize(10);
    assertThat(lines()).anyMatch(l -> l.matches("Async: \\d+\\.\\d\\ds"));
    assertThat(lines()).anyMatch(l -> l.startsWith("Slow fetch: CANCELLED after "));
  }

  @Test
  void seedHybridHandlesRequestsOnVirtualThreadsAndComputesOnTheCpuPool() throws Exception {
    SeedHybrid.main(new String[] {"0.1"});

    assertThat(lines()).hasSize(4);
    for (int n = 1; n <= 4; n++) {
      assertThat(lines().get(n - 1))
          .startsWith("compute_heavy(" + n + ") = " + Workloads.computeHeavy(n, 0.1) + ";")
          .contains("upstream sent 1256 bytes", "(virtual: true)", "computed on gearbox-cpu-");
    }
  }

  @Test
  void latencyServerHonoursMsAndBytesAndCountsRequests() throws Exception {
    try (LatencyServer server = LatencyServer.start(Duration.ofMillis(10))) {
      assertThat(Workloads.fetch(server.uri())).isEqualTo(LatencyServer.DEFAULT_BODY_BYTES);
      assertThat(Workloads.fetch(server.uri().resolve("?ms=0&bytes=10"))).isEqualTo(10);
      assertThat(Workloads.fetch(server.uri().resolve("?bytes=0"))).isZero();
      long start = System.nanoTime();
      assertThat(Workloads.fetch(server.uri().resolve("delay/150"))).isEqualTo(LatencyServer.DEFAULT_BODY_BYTES);
      assertThat(System.nanoTime() - start).as("/delay/150 waits at least 150 ms").isGreaterThanOrEqualTo(150_000_000L);
      assertThat(server.served()).isEqualTo(4);
      assertThat(server.uri().getHost()).isEqualTo("127.0.0.1");
    }
  }
}
