package io.gearbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gearbox.Delays;
import io.gearbox.Harness;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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

  @Test
  void threadStates_tellASocketWaitFromTheJvmsOwnWaits_andLetGoOfTheFilesWhenTheThreadEnds()
      throws Exception {
    assumeTrue(Files.isReadable(Path.of("/proc/thread-self/wchan")), "no /proc/<tid>/wchan here");
    AtomicReference<CpuClock.KernelView> view = new AtomicReference<>();
    CountDownLatch inSocket = new CountDownLatch(1);
    CountDownLatch inPark = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    AtomicLong computed = new AtomicLong();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = Thread.ofPlatform().name("kernel-view-test").start(h.checked(() -> {
        try (Socket socket = new Socket(server.getInetAddress(), server.getLocalPort())) {
          view.set(CpuClock.kernelView());
          view.get().runStarts();
          long x = 0;
          for (long end = System.nanoTime() + 30_000_000L; System.nanoTime() < end; ) {
            x += Long.numberOfTrailingZeros(x + System.nanoTime()); // ~30 ms of computing
          }
          computed.set(x);
          inSocket.countDown();
          assertThat(socket.getInputStream().read()).isEqualTo(7); // asleep in a socket read
          inPark.countDown();
          assertThat(done.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS))
              .isTrue(); // asleep in a park
        } finally {
          CpuClock.release();
        }
      }));
      try (Socket accepted = server.accept()) {
        assertThat(inSocket.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        CpuClock.ThreadStates states = new CpuClock.ThreadStates();
        assumeTrue(states.waiting(view.get()) != null, "no /proc/<tid>/stat here");
        Boolean inIo = awaitWaitingIn(states, view.get());
        assumeTrue(inIo != null, "this kernel hides wait channels");
        assertThat(inIo).as("asleep in a socket read: outside a futex").isTrue();
        double computedShare = states.cpuShareOfRun(view.get());
        Thread.sleep(Delays.SHORT.multipliedBy(4).toMillis()); // 200 ms (scaled) asleep in the read
        double laterShare = states.cpuShareOfRun(view.get());
        assertThat(computedShare).as("~30 ms computed, then the read began").isGreaterThan(0.5);
        assertThat(laterShare).as("then 200 ms asleep in the read").isLessThan(0.5);

        accepted.getOutputStream().write(7);
        assertThat(inPark.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(awaitWaitingIn(states, view.get())).as("parked: a futex").isFalse();
        done.countDown();
        Harness.join(t);
        assertThat(states.waiting(view.get())).as("the thread ended: its files let go").isNull();
        assertThat(states.waitingOutsideFutex(view.get())).isNull();
      } finally {
        done.countDown();
      }
    }
  }

  /** Where the thread waits once the kernel shows it asleep (null: the kernel does not say). */
  private static Boolean awaitWaitingIn(CpuClock.ThreadStates states, CpuClock.KernelView thread)
      throws InterruptedException {
    long deadline = System.nanoTime() + Delays.LONG.toNanos();
    while (System.nanoTime() < deadline) {
      if (Boolean.TRUE.equals(states.waiting(thread))) {
        Boolean outsideFutex = states.waitingOutsideFutex(thread);
        if (outsideFutex != null) {
          return outsideFutex;
        }
      }
      Thread.sleep(1);
    }
    return null;
  }
}
