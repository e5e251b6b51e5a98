package io.gearbox.cluster.internal;

import io.gearbox.internal.remote.DriverCall;

/**
 * The driver task for one cluster call: what runs on a driver (virtual) thread of the cluster
 * pool. Besides what every remote call records ({@link DriverCall}: id, name, attempts, pid, shared
 * with the process pool's call), it holds the encoded task and the member it went to, for the
 * task's {@link ClusterHandle}.
 *
 * @param <T> the result type
 */
final class ClusterCall<T> extends DriverCall<T> {

  final ClusterPoolEngine pool;
  final String[] packages;
  final byte[] task;
  final Object key;

  volatile String member;
  volatile long memberNanos = -1;

  ClusterCall(ClusterPoolEngine pool, String[] packages, byte[] task, int maxRetries, Object key,
      Object source) {
    super(maxRetries, source);
    this.pool = pool;
    this.packages = packages;
    this.task = task;
    this.key = key;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T call() throws Exception {
    return (T) pool.execute(this, RemoteRun.CALL, task, null);
  }
}
