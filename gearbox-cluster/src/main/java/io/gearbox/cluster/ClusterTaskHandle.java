package io.gearbox.cluster;

import io.gearbox.TaskHandle;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The handle of a task run by a {@link ClusterPool}: a {@link TaskHandle} that also tells where it
 * ran. Thread-safe.
 *
 * <p>Like every handle it completes the moment the task reaches a terminal state. For a cancelled
 * or timed-out task the member is then told to interrupt it; a task that ignores the interrupt
 * keeps running there and is reported by {@link io.gearbox.PoolStats#stuck()} under a thread name
 * that names its member.
 *
 * @param <T> the result type
 */
public interface ClusterTaskHandle<T> extends TaskHandle<T> {

  /** The address ({@code host:port}) of the member that ran the latest attempt, if one was sent. */
  Optional<String> member();

  /** The process id of the member that ran the latest attempt, if one was sent. */
  OptionalLong memberPid();

  /**
   * How many times the task was sent to a member: 0 if never, more than 1 after a member was lost
   * and the task was retried. (A member that refused the task because it was leaving does not
   * count: the task never started there.)
   */
  int attempts();
}
