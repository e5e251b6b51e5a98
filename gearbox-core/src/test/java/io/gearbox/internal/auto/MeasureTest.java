package io.gearbox.internal.auto;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.Harness;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the auto pool and the profiler measure of a run ({@link Measure}), on each kind of thread. */
class MeasureTest {

  @RegisterExtension final Harness h = new Harness();

  @Test
  void measure_onVirtualThread_readsNothing() throws Exception {
    // T34: CPU time is never read on a virtual thread (JDK 25 reports -1 there)
    AtomicReference<String> seen = new AtomicReference<>();
    Thread t = Thread.ofVirtual().start(h.checked(() -> {
      long[] out = {-7, -7};
      seen.set(Measure.sample(out) + " " + out[0] + " " + Measure.cpuNanos() + " "
          + Measure.allocatedBytes());
    }));
    Harness.join(t);
    assertThat(seen.get()).isEqualTo("false -7 -1 -1");
    long[] out = new long[2];
    assertThat(Measure.sample(out)).isTrue(); // a platform thread
    assertThat(out[0]).isPositive();
  }
}
