package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The machine's load as the matrix and the bench record it: arithmetic, then the real counters. */
class MachineLoadTest {

  private static MachineLoad.Snapshot at(double seconds, long busy, long total, long steal,
      long own, double load) {
    return new MachineLoad.Snapshot((long) (seconds * 1e9), busy, total, steal, own, load);
  }

  @Test
  void othersAreAllBusyTimeLessOurOwn() {
    // 10 s on 2 cores: 2000 ticks in all; 1500 busy, of which 500 ours: others used 1 core
    MachineLoad.Summary s = MachineLoad.between(at(0, 0, 0, 0, 0, 0.5), at(10, 1500, 2000, 0, 500, 1.0), 2);
    assertThat(s.ownCores()).isEqualTo(0.5);
    assertThat(s.otherCores()).isEqualTo(1.0);
    assertThat(s.stealShare()).isZero();
    assertThat(s.busy()).isTrue(); // 1 core of 2 is over a quarter of the machine
    assertThat(s.describe()).isEqualTo("other processes used 1.0 of 2 cores, load 1.0, steal 0%");
  }

  @Test
  void aQuietMachineIsNotBusyAndStealOrLoadMakeItBusy() {
    MachineLoad.Summary quiet = MachineLoad.between(at(0, 0, 0, 0, 0, 0.2), at(10, 1050, 2000, 0, 1000, 0.9), 2);
    assertThat(quiet.otherCores()).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(quiet.busy()).isFalse();
    assertThat(MachineLoad.between(at(0, 0, 0, 0, 0, 0.2), at(10, 1000, 2000, 200, 1000, 0.9), 2).busy())
        .as("10% steal").isTrue();
  }

  @Test
  void ourOwnLoadIsNotCalledBusy() {
    // The quiet matrix of issue 12 item 2: the high-scale row's 10,000 fetch threads and its child
    // JVMs put the load average at 24 on 2 cores while no other process used any CPU.
    MachineLoad.Summary ours = MachineLoad.between(at(0, 0, 0, 0, 0, 3.0),
        at(10, 1990, 2000, 0, 1990, 24.2), 2);
    assertThat(ours.otherCores()).isZero();
    assertThat(ours.busy()).as(ours.describe()).isFalse();
    assertThat(ours.toJson().path("busy").asBoolean()).isFalse();
    // the load average is still recorded and printed, as information
    assertThat(ours.toJson().path("load_average_end").asDouble()).isEqualTo(24.2);
    assertThat(ours.describe()).isEqualTo("other processes used 0.0 of 2 cores, load 24.2, steal 0%");
    // and others' CPU makes it busy whatever the load average says
    assertThat(MachineLoad.between(at(0, 0, 0, 0, 0, 0.5), at(10, 1900, 2000, 0, 900, 0.9), 2).busy())
        .as("others used 1 of 2 cores at load 0.9").isTrue();
  }

  @Test
  void unknownCountersAreUnknownNotBusy() {
    MachineLoad.Summary s = MachineLoad.between(at(0, -1, -1, -1, -1, -1), at(1, -1, -1, -1, -1, -1), 2);
    assertThat(s.otherCores()).isEqualTo(-1);
    assertThat(s.busy()).isFalse();
    assertThat(s.toJson().path("other_cpu_cores").isNull()).isTrue();
  }

  @Test
  void aBusyLoopInThisJvmCountsAsOursNotOthers() throws Exception {
    assumeThat(Files.isReadable(Path.of("/proc/stat"))).as("Linux /proc").isTrue();
    MachineLoad load = MachineLoad.start();
    // burn 300 ms of this thread's CPU time (not of wall time: on a loaded machine a wall-clock
    // spin gets a fraction of a core)
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long end = threads.getCurrentThreadCpuTime() + 300_000_000L;
    long x = 0;
    while (threads.getCurrentThreadCpuTime() < end) {
      x += Long.numberOfTrailingZeros(x + System.nanoTime());
    }
    MachineLoad.Summary s = load.stop();
    assertThat(x).isNotZero();
    // those 300 ms are ours (less the kernel's 10 ms tick granularity; plus what the JIT and GC
    // did beside them)
    assertThat(s.ownCores() * s.seconds()).as(s.toString()).isGreaterThan(0.25);
    assertThat(s.otherCores()).as(s.toString()).isBetween(0.0, (double) s.cores());
    assertThat(s.toJson().path("busy").isBoolean()).isTrue();
  }
}
