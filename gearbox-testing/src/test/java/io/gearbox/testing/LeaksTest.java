package io.gearbox.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The leak check fails on what it promises to catch, and passes once it is gone. */
class LeaksTest {

  @Test
  void aLiveVirtualThreadOfOursFailsTheCheck_andPassesOnceItEnds() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Thread leaked = Thread.ofVirtual().name("gearbox-leak-probe").start(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      assertTrue(Leaks.alive().contains("gearbox-leak-probe"), "virtual threads are seen");
      AssertionError e = assertThrows(AssertionError.class, () -> Leaks.check(false));
      assertTrue(e.getMessage().contains("gearbox-leak-probe"), e.getMessage());
    } finally {
      release.countDown();
      leaked.join();
    }
    assertDoesNotThrow(() -> Leaks.check());
  }

  @Test
  void aSetInterruptFlagFailsTheCheck_andIsCleared() {
    Thread.currentThread().interrupt();
    AssertionError e = assertThrows(AssertionError.class, Leaks::check);
    assertTrue(e.getMessage().contains("interrupt flag"), e.getMessage());
    assertFalse(Thread.currentThread().isInterrupted());
  }

  @Test
  void aLeftChildProcessFailsTheCheck_andIsKilled() throws Exception {
    Process child = new ProcessBuilder("sleep", "600").start();
    AssertionError e = assertThrows(AssertionError.class, Leaks::check);
    assertTrue(e.getMessage().contains(String.valueOf(child.pid())), e.getMessage());
    child.waitFor();
    assertFalse(child.isAlive());
  }
}
