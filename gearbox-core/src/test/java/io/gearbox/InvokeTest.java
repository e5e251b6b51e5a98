package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Pool#invoke}: the seed's {@code run_in_executor} bridge. Request handlers on virtual
 * threads hand CPU work to the CPU pool and wait for it; failures, cancellation and the caller's
 * interrupt behave as documented.
 */
class InvokeTest {

  @RegisterExtension final Harness h = new Harness();

  /** Work that keeps a CPU busy for a moment and returns a checksum. */
  private static long crunch(int seed) {
    long x = seed;
    for (int i = 0; i < 200_000; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
    }
    return x;
  }

  @Test
  void invoke_fromVirtualThreads_handsCpuWorkToThePlatformThreadsOfTheCpuPool() {
    record Answer(boolean handlerVirtual, String cpuThread, boolean cpuVirtual, long value) {}
    try (Pool io = h.pool(PoolKind.VIRTUAL);
        Pool cpu = h.pool(PoolKind.CPU, b -> b.threads(2))) {
      List<TaskHandle<Answer>> requests = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        int seed = i;
        requests.add(io.submit(() -> {
          boolean handlerVirtual = Thread.currentThread().isVirtual();
          Thread[] worker = new Thread[1];
          long value = cpu.invoke(() -> {
            worker[0] = Thread.currentThread();
            return crunch(seed);
          });
          return new Answer(handlerVirtual, worker[0].getName(), worker[0].isVirtual(), value);
        }));
      }
      for (int i = 0; i < 100; i++) {
        Answer answer = requests.get(i).join();
        assertThat(answer.handlerVirtual()).isTrue();
        assertThat(answer.cpuVirtual()).isFalse();
        assertThat(answer.cpuThread()).startsWith(Harness.GEARBOX_PREFIX + cpu.name() + "-");
        assertThat(answer.value()).isEqualTo(crunch(i));
      }
      assertThat(cpu.stats().succeeded()).isEqualTo(100);
      // measured on the cpu pool's platform threads (tiny tasks are sampled, so not every one)
      Harness.eventually().until(() -> cpu.stats().cpuMeasuredTasks() > 0);
      assertThat(cpu.stats().cpuMeasuredTasks()).isLessThanOrEqualTo(100);
      assertThat(io.stats().succeeded()).isEqualTo(100);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void invoke_returnsTheTaskResult(PoolKind kind) {
    try (Pool pool = h.pool(kind)) {
      assertThat(pool.<String>invoke(() -> "result")).isEqualTo("result");
      assertThat(pool.<Object>invoke(() -> null)).isNull();
      assertThat(pool.stats().succeeded()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void invoke_callerInterruptedWhileWaiting_cancelsTheTaskAndKeepsTheFlag(PoolKind kind)
      throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch taskInterrupted = new CountDownLatch(1);
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    AtomicReference<Boolean> flagAfter = new AtomicReference<>();
    try (Pool pool = h.pool(kind)) {
      try {
        Thread caller = h.startThread("caller", () -> {
          outcome.set(catchThrowable(() -> pool.invoke(() -> {
            started.countDown();
            try {
              never.await();
            } catch (InterruptedException e) {
              taskInterrupted.countDown();
              throw e;
            }
            return null;
          })));
          flagAfter.set(Thread.interrupted());
        });
        Harness.await(started);
        caller.interrupt();
        Harness.join(caller);
        assertThat(outcome.get()).isInstanceOf(CompletionException.class)
            .cause().isInstanceOf(InterruptedException.class);
        assertThat(flagAfter.get()).isTrue();
        Harness.await(taskInterrupted);
        assertThat(pool.stats().cancelled()).isEqualTo(1);
      } finally {
        never.countDown();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void invoke_taskCancelledByShutdownNow_throwsCancellation(PoolKind kind) throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Pool pool = h.pool(kind);
    try {
      Thread caller = h.startThread("caller", () -> outcome.set(catchThrowable(() -> pool.invoke(() -> {
        started.countDown();
        never.await();
        return null;
      }))));
      Harness.await(started);
      pool.shutdownNow();
      Harness.join(caller);
      assertThat(outcome.get()).isInstanceOf(CancellationException.class);
    } finally {
      never.countDown();
      pool.close();
    }
  }
}
