package io.gearbox.cluster.internal;

import io.gearbox.TaskHandle;
import io.gearbox.internal.RunAware;
import java.util.concurrent.Callable;

/**
 * The driver task for one cluster call: what runs on a driver (virtual) thread of the cluster
 * pool. It holds the encoded task and, as the call proceeds, where it went (member, pid, attempts)
 * for the task's {@link ClusterHandle}.
 *
 * @param <T> the result type
 */
final class ClusterCall<T> implements Callable<T>, RunAware {

  final ClusterPoolEngine pool;
  final String[] packages;
  final byte[] task;
  final int maxRetries;
  final Object key;
  final Object source; // what the user submitted

  volatile long taskId;
  volatile String name = "task";
  volatile String member;
  volatile long pid = -1;
  volatile int attempts;
  volatile long memberNanos = -1;

  ClusterCall(ClusterPoolEngine pool, String[] packages, byte[] task, int maxRetries, Object key,
      Object source) {
    this.pool = pool;
    this.packages = packages;
    this.task = task;
    this.maxRetries = maxRetries;
    this.key = key;
    this.source = source;
  }

  @Override
  public void starting(TaskHandle<?> run) {
    taskId = run.id();
    name = run.name();
  }

  @Override
  @SuppressWarnings("unchecked")
  public T call() throws Exception {
    return (T) pool.execute(this, RemoteRun.CALL, task, null);
  }
}
