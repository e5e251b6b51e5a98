package app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.gearbox.Gearbox;
import io.gearbox.ProcessPool;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A process pool inside Surefire, as this project's own tests would use one. */
class SquaresTest {

  @Test
  void processPoolRunsTasksFromThisTestInOtherJvms() {
    try (ProcessPool pool = Gearbox.processes(2)) {
      assertEquals(List.of(1, 4, 9), pool.map(Squares::square, List.of(1, 2, 3)).toList());
      long here = ProcessHandle.current().pid();
      // a lambda of the test class itself: the workers need target/test-classes too
      assertNotEquals(here, pool.submit(() -> ProcessHandle.current().pid()).join());
    }
  }
}
