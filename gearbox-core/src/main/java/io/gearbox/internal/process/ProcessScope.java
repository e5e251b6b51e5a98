package io.gearbox.internal.process;

import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;

/** A structured scope of a process pool: the driver pool's scope, with tasks sent to workers. */
final class ProcessScope implements TaskScope {

  private final Calls calls;
  private final TaskScope drivers;

  ProcessScope(Calls calls, TaskScope drivers) {
    this.calls = calls;
    this.drivers = drivers;
  }

  @Override
  public <T> TaskHandle<T> fork(Callable<T> task) {
    return fork(task, TaskOptions.defaults());
  }

  @Override
  public <T> TaskHandle<T> fork(Callable<T> task, TaskOptions options) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(options, "options");
    RemoteCall<T> call = calls.call(task, options.retries());
    return new RemoteHandle<>(drivers.fork(call, options), call);
  }

  @Override
  public void join() throws InterruptedException {
    drivers.join();
  }

  @Override
  public void join(Duration timeout) throws InterruptedException, TimeoutException {
    drivers.join(timeout);
  }

  @Override
  public void cancel() {
    drivers.cancel();
  }

  @Override
  public boolean isCancelled() {
    return drivers.isCancelled();
  }

  @Override
  public void close() {
    drivers.close();
  }
}
