package io.gearbox.cluster.internal;

import java.time.Duration;

/** A member's graceful leave: refuse new calls, wait for accepted ones, then shut down. */
public final class MemberDrain {

  private MemberDrain() {}

  /**
   * Makes this JVM's member refuse calls it has not started (callers place them elsewhere) and
   * waits until the calls it accepted have finished, at most {@code limit}.
   *
   * @return how many calls were still unfinished when the wait ended (0 if all finished)
   */
  public static int drain(Duration limit) throws InterruptedException {
    RemoteRun.draining = true;
    long end = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < end) {
      if (RemoteRun.ACCEPTED.get() <= 0 && RemoteRun.RUNNING.isEmpty()) {
        return 0;
      }
      Thread.sleep(20);
    }
    return Math.max(RemoteRun.ACCEPTED.get(), RemoteRun.RUNNING.size());
  }

  /** Calls running on this member now. */
  public static int running() {
    return RemoteRun.RUNNING.size();
  }
}
