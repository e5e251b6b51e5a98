package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * CPU time is measured for every task while tasks are long, and sampled (one task per millisecond
 * of a thread) through runs of tiny tasks, whose cost a thread-CPU-clock read would otherwise
 * multiply.
 */
class CpuSamplingTest {

  @RegisterExtension final Harness h = new Harness();

  private static long spin(long nanos) {
    long end = System.nanoTime() + nanos;
    long x = 0;
    while (System.nanoTime() < end) {
      x++;
    }
    return x;
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "CPU"})
  void cpuTime_tinyTasks_sampledThenEveryLongTaskMeasured(PoolKind kind) {
    try (Pool pool = h.pool(kind, b -> b.threads(1))) {
      List<TaskHandle<Integer>> tiny = new ArrayList<>();
      for (int i = 0; i < 640; i++) {
        int v = i;
        TaskHandle<Integer> handle = pool.submit(() -> v);
        handle.join();
        tiny.add(handle);
      }
      long measured = tiny.stream().filter(t -> t.timings().cpuMeasured()).count();
      assertThat(measured).as("tiny tasks are sampled, not all skipped").isPositive();
      assertThat(measured).as("tiny tasks are not all measured").isLessThan(tiny.size() / 4);

      // one long task ends the tiny run; from the next task on, every long task is measured
      pool.submit(() -> spin(2_000_000)).join();
      for (int i = 0; i < 5; i++) {
        TaskHandle<Long> handle = pool.submit(() -> spin(2_000_000));
        handle.join();
        assertThat(handle.timings().cpuMeasured()).as("long task %d", i).isTrue();
        assertThat(handle.timings().cpuNanos()).isPositive();
      }
      // stats count a task when its code has exited, a moment after its handle completed
      Harness.eventually().untilAsserted(() ->
          assertThat(pool.stats().cpuMeasuredTasks()).isBetween(measured + 5, measured + 6));
    }
  }
}
