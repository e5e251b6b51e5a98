package io.gearbox;

import java.time.Duration;

/**
 * A task whose handle completed (it timed out or was cancelled) while its code kept running: the
 * code ignores interrupts, so the thread cannot be reclaimed. A process pool can kill such a task;
 * a thread pool can only report it.
 *
 * @param taskId the pool-unique task id
 * @param name the task's name
 * @param state {@link TaskState#TIMED_OUT} or {@link TaskState#CANCELLED}
 * @param thread the name of the thread still running it
 * @param overdue how long ago its handle completed
 * @param stack where its thread is now (the top frames)
 */
public record StuckTask(
    long taskId,
    String name,
    TaskState state,
    String thread,
    Duration overdue,
    java.util.List<StackTraceElement> stack) {

  /** Copies the stack. */
  public StuckTask {
    stack = java.util.List.copyOf(stack);
  }
}
