package io.gearbox.cluster.internal;

import io.gearbox.TaskHandle;
import io.gearbox.cluster.ClusterTaskHandle;
import io.gearbox.internal.remote.DriverHandle;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A cluster task's handle: the driver task's handle (state, waiting, cancellation, deadline;
 * {@link DriverHandle}, shared with the process pool) plus where the call went.
 *
 * @param <T> the result type
 */
final class ClusterHandle<T> extends DriverHandle<T> implements ClusterTaskHandle<T> {

  private final ClusterCall<T> call;

  ClusterHandle(TaskHandle<T> driver, ClusterCall<T> call) {
    super(driver, call);
    this.call = call;
  }

  @Override
  public Optional<String> member() {
    return Optional.ofNullable(call.member);
  }

  @Override
  public OptionalLong memberPid() {
    long pid = call.pid;
    return pid < 0 ? OptionalLong.empty() : OptionalLong.of(pid);
  }

  @Override
  public String toString() {
    return "ClusterTask[#" + id() + " '" + name() + "' " + status() + ", attempts " + attempts()
        + (call.member != null ? ", member " + call.member : "")
        + (call.pid >= 0 ? ", pid " + call.pid : "") + "]";
  }
}
