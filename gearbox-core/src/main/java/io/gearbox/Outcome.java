package io.gearbox;

import java.util.Objects;

/**
 * The result of one task when every outcome is collected ({@link Pool#mapOutcomes}): either a
 * value or the reason there is none.
 *
 * <pre>{@code
 * switch (outcome) {
 *   case Outcome.Success<Integer>(var value) -> total += value;
 *   case Outcome.Failure<Integer>(var error, var state) -> log(state + ": " + error);
 * }
 * }</pre>
 *
 * @param <R> the result type
 */
public sealed interface Outcome<R> {

  /** The terminal state of the task. */
  TaskState state();

  /**
   * The task returned {@code value}.
   *
   * @param value the task's result, possibly null
   */
  record Success<R>(R value) implements Outcome<R> {
    @Override
    public TaskState state() {
      return TaskState.SUCCEEDED;
    }
  }

  /**
   * The task did not return a value.
   *
   * @param error the task's own exception ({@link TaskState#FAILED}), a {@link TaskTimeoutException}
   *     ({@link TaskState#TIMED_OUT}) or a {@link java.util.concurrent.CancellationException}
   *     ({@link TaskState#CANCELLED})
   * @param state one of FAILED, TIMED_OUT or CANCELLED
   */
  record Failure<R>(Throwable error, TaskState state) implements Outcome<R> {
    /** Checks the state is a failing terminal state. */
    public Failure {
      Objects.requireNonNull(error, "error");
      if (state != TaskState.FAILED && state != TaskState.TIMED_OUT && state != TaskState.CANCELLED) {
        throw new IllegalArgumentException("not a failure state: " + state);
      }
    }
  }
}
