package io.gearbox.cluster.internal;

import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import io.gearbox.internal.remote.DriverScope;
import java.util.concurrent.Callable;

/**
 * A structured scope of a cluster pool: the driver pool's scope ({@link DriverScope}, shared with
 * the process pool), with tasks sent to members.
 */
final class ClusterScope extends DriverScope {

  private final ClusterPoolEngine pool;

  ClusterScope(ClusterPoolEngine pool, TaskScope drivers) {
    super(drivers);
    this.pool = pool;
  }

  @Override
  protected <T> TaskHandle<T> forkRemote(TaskScope drivers, Callable<T> task, TaskOptions options) {
    ClusterCall<T> call = pool.callFor(task, options);
    return new ClusterHandle<>(drivers.fork(call, options), call);
  }
}
