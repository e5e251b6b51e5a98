package io.gearbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gearbox.Harness;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A platform thread's CPU and run-queue clock (Linux schedstat) survives interrupts: pool threads
 * are interrupted by cancellation, and an interruptible file channel read with the flag set, or
 * interrupted mid-read, would close the thread's clock file for good and leave it on the CPU clock
 * alone (no run-queue time) for the rest of its life.
 */
class CpuClockTest {

  @RegisterExtension final Harness h = new Harness();

  private static void assumeSchedstat() {
    assumeTrue(CpuClock.method().contains("schedstat"), "no /proc/thread-self/schedstat here");
  }

  @Test
  void sample_withTheInterruptFlagSet_readsSchedstatAndKeepsTheFlag() throws Exception {
    assumeSchedstat();
    Thread t = Thread.ofPlatform().name("cpu-clock-test").start(h.checked(() -> {
      try {
        long[] before = new long[2];
        assertThat(CpuClock.sample(before)).isTrue();
        assertThat(CpuClock.readsSchedstat()).as("schedstat open").isTrue();

        Thread.currentThread().interrupt();
        long[] interrupted = new long[2];
        assertThat(CpuClock.sample(interrupted)).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).as("the flag, kept").isTrue();
        assertThat(CpuClock.readsSchedstat()).as("schedstat still open").isTrue();
        Thread.interrupted();

        long[] after = new long[2];
        assertThat(CpuClock.sample(after)).isTrue();
        assertThat(CpuClock.readsSchedstat()).isTrue();
        assertThat(after[0]).as("CPU time from the same clock").isGreaterThanOrEqualTo(before[0]);
        assertThat(after[1]).as("run-queue time").isGreaterThanOrEqualTo(before[1]);
      } finally {
        CpuClock.release();
      }
    }));
    Harness.join(t);
  }

  @Test
  void sample_interruptedOverAndOverWhileItReads_neverFallsBackForGood() throws Exception {
    assumeSchedstat();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch interrupterEnded = new CountDownLatch(1);
    Thread sampler = Thread.ofPlatform().name("cpu-clock-sampler").unstarted(h.checked(() -> {
      try {
        long[] out = new long[2];
        for (int i = 0; i < 20_000; i++) {
          // a read interrupted three times in a row falls back to the CPU clock for that sample
          assertThat(CpuClock.sample(out)).isTrue();
          Thread.interrupted(); // an interrupt is for the task, not the clock
        }
        stop.set(true);
        while (true) { // the interrupter's last interrupts may land during this wait
          try {
            interrupterEnded.await();
            break;
          } catch (InterruptedException stray) {
            // from the interrupter, before it saw stop
          }
        }
        Thread.interrupted();
        assertThat(CpuClock.sample(out)).isTrue();
        assertThat(CpuClock.readsSchedstat()).as("schedstat open after the storm").isTrue();
      } finally {
        stop.set(true);
        CpuClock.release();
      }
    }));
    Thread interrupter = Thread.ofPlatform().name("cpu-clock-interrupter").unstarted(h.checked(() -> {
      try {
        while (!stop.get()) {
          sampler.interrupt();
          Thread.onSpinWait();
        }
      } finally {
        interrupterEnded.countDown();
      }
    }));
    sampler.start();
    interrupter.start();
    Harness.join(sampler);
    Harness.join(interrupter);
  }
}
