package io.gearbox.cluster.internal;

import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A member's graceful leave: refuse new calls, wait for accepted ones, then shut down. */
public final class MemberDrain {

  private MemberDrain() {}

  /**
   * Makes this JVM's member refuse calls it has not started (callers place them elsewhere) and
   * waits until the calls it accepted have finished, at most {@code limit}.
   *
   * @return how many calls were still unfinished when the wait ended (0 if all finished)
   */
  public static int drain(HazelcastInstance hz, Duration limit) throws InterruptedException {
    // Recorded in the cluster first (the entry outlives this member on its backup), so a caller
    // whose call fails because this member shut down knows the call never started user code here.
    hz.getMap(HazelcastSetup.LEAVING).put(hz.getCluster().getLocalMember().getUuid().toString(),
        ProcessHandle.current().pid(), 10, TimeUnit.MINUTES);
    RemoteRun.draining = true;
    long end = System.nanoTime() + limit.toNanos();
    long quietSince = System.nanoTime();
    while (System.nanoTime() < end) {
      boolean idle = RemoteRun.ACCEPTED.get() <= 0 && RemoteRun.RUNNING.isEmpty();
      if (!idle) {
        quietSince = System.nanoTime();
      } else if (System.nanoTime() - quietSince >= QUIET_NANOS) {
        return 0; // callers have seen refusals and stopped sending here
      }
      Thread.sleep(20);
    }
    // Tasks still running will be cut off: callers must see those as crashes, not refusals.
    hz.getMap(HazelcastSetup.LEAVING).remove(hz.getCluster().getLocalMember().getUuid().toString());
    return Math.max(RemoteRun.ACCEPTED.get(), RemoteRun.RUNNING.size());
  }

  /** How long a leaving member stays idle (refusing calls) before it shuts down. */
  private static final long QUIET_NANOS = 500_000_000L;

  /** Calls running on this member now. */
  public static int running() {
    return RemoteRun.RUNNING.size();
  }
}
