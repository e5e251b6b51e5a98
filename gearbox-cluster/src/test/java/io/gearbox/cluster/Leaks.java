package io.gearbox.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The end-of-test checks: no Gearbox or Hazelcast thread left in this JVM, no child process, the
 * test thread not interrupted.
 */
final class Leaks {

  private Leaks() {}

  /** Hazelcast names its threads {@code hz.<instance>...}; Gearbox's start with {@code gearbox-}. */
  static boolean ours(Thread t) {
    String n = t.getName();
    return n.startsWith("hz.") || n.startsWith("gearbox-") || n.contains("gearbox-client")
        || n.contains("gearbox-member");
  }

  static void assertNone() throws InterruptedException {
    assertNone(true);
  }

  /** As {@link #assertNone()}; child processes are checked only if {@code children}. */
  static void assertNone(boolean children) throws InterruptedException {
    assertThat(Thread.interrupted()).as("test thread's interrupt flag").isFalse();
    long end = System.nanoTime() + Delays.LONG.toNanos();
    List<String> alive = List.of();
    while (System.nanoTime() < end) {
      alive = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).filter(Leaks::ours)
          .map(Thread::getName).sorted().collect(Collectors.toList());
      if (alive.isEmpty() && (!children || ProcessHandle.current().descendants().findAny().isEmpty())) {
        return;
      }
      Thread.sleep(50);
    }
    assertThat(alive).as("threads left after the pool closed").isEmpty();
    if (!children) {
      return;
    }
    assertThat(ProcessHandle.current().descendants().map(ProcessHandle::pid).toList())
        .as("child processes left").isEmpty();
  }
}
