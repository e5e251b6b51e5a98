package io.gearbox;

import java.time.Duration;
import java.util.List;

/**
 * A virtual thread that kept its carrier thread to itself: the JVM's version of blocking the
 * event loop. While a task computes on a virtual thread without parking, the carrier (one of
 * about as many as there are cores) runs nothing else, so every other virtual thread waits.
 *
 * <p>An {@link AutoPool} reports one when a task on its virtual side has stayed runnable, never
 * parked, for longer than its threshold (100 ms by default), and moves that task's key to the CPU
 * side; and, when asked to watch the JFR stream, when a virtual thread was pinned (blocked while
 * it could not unmount, e.g. in a class initializer or a native frame).
 *
 * @param key the task's route key ({@code "?"} if the thread no longer runs a known task)
 * @param task the task's name
 * @param thread the virtual thread's name
 * @param held how long the carrier was held (hog) or the thread was pinned (pinning)
 * @param stack the culprit's stack when it was seen (top first; may be empty)
 * @param pinned false for a carrier hog, true for a pinning event from JFR
 * @param detail what was seen, in a sentence
 */
public record CarrierHog(
    String key,
    String task,
    String thread,
    Duration held,
    List<StackTraceElement> stack,
    boolean pinned,
    String detail) {

  /** Copies the stack. */
  public CarrierHog {
    stack = List.copyOf(stack);
  }
}
