package io.gearbox.internal.process;

import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import io.gearbox.internal.remote.DriverScope;
import java.util.concurrent.Callable;

/** A structured scope of a process pool: the driver pool's scope, with tasks sent to workers. */
final class ProcessScope extends DriverScope {

  private final Calls calls;

  ProcessScope(Calls calls, TaskScope drivers) {
    super(drivers);
    this.calls = calls;
  }

  @Override
  protected <T> TaskHandle<T> forkRemote(TaskScope drivers, Callable<T> task, TaskOptions options) {
    RemoteCall<T> call = calls.call(task, options.retries());
    return new RemoteHandle<>(drivers.fork(call, options), call);
  }
}
