package io.gearbox.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.gearbox.cluster.internal.HazelcastSetup;
import io.gearbox.cluster.internal.MemberDrain;
import java.time.Duration;

/**
 * A Hazelcast member in this JVM that runs cluster-pool tasks for others: what
 * {@code ./gearbox worker} starts. Start one with {@link GearboxCluster.Builder#startMember()}.
 * Thread-safe.
 */
public final class ClusterMember implements AutoCloseable {

  private final HazelcastInstance hz;
  private final Object lock = new Object();
  private boolean left; // guarded by lock

  ClusterMember(HazelcastInstance hz) {
    this.hz = hz;
  }

  /** The address other members and clients reach this one at, {@code host:port}. */
  public String address() {
    var a = hz.getCluster().getLocalMember().getAddress();
    return a.getHost() + ":" + a.getPort();
  }

  /** How many members the cluster has now, this one included. */
  public int clusterSize() {
    return hz.getCluster().getMembers().size();
  }

  /**
   * Leaves the cluster gracefully: takes no new tasks (callers place them on other members),
   * waits up to {@code grace} for the tasks it accepted, then shuts the member down (its data
   * partitions migrate to the others). Idempotent.
   *
   * @return how many tasks were still running when the grace ran out (0 if none)
   */
  public int leave(Duration grace) throws InterruptedException {
    synchronized (lock) {
      if (left) {
        return 0;
      }
      left = true;
    }
    int unfinished = MemberDrain.drain(hz, grace);
    hz.shutdown();
    return unfinished;
  }

  /** Leaves with a 60-second grace; if interrupted, shuts down at once and keeps the interrupt. */
  @Override
  public void close() {
    try {
      leave(Duration.ofSeconds(60));
    } catch (InterruptedException e) {
      hz.shutdown();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Makes SIGTERM (and any other orderly JVM exit) {@link #leave leave} gracefully, then blocks
   * until the member has shut down. What a worker's main thread does.
   *
   * @param grace how long the leave waits for accepted tasks
   * @param onLeft told, on the leaving thread once the member has shut down, how many tasks were
   *     still running when the grace ran out (0 if none); it runs before the JVM exits, unlike code
   *     after this method returns, which a JVM that is shutting down may never reach
   */
  public void runUntilShutdown(Duration grace, java.util.function.IntConsumer onLeft)
      throws InterruptedException {
    java.util.concurrent.CountDownLatch down = new java.util.concurrent.CountDownLatch(1);
    hz.getLifecycleService().addLifecycleListener(e -> {
      if (e.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.SHUTDOWN) {
        down.countDown();
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        onLeft.accept(leave(grace));
      } catch (InterruptedException e) {
        hz.shutdown();
      }
    }, "gearbox-member-leave"));
    if (!hz.getLifecycleService().isRunning()) {
      return;
    }
    down.await();
  }

  /** The process id of this member's JVM. */
  public long pid() {
    return ProcessHandle.current().pid();
  }

  /** The executor name tasks run on, for operators reading Hazelcast's metrics. */
  public static String executorName() {
    return HazelcastSetup.TASKS;
  }
}
