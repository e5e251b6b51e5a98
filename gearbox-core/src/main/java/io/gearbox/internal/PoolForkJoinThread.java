package io.gearbox.internal;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * A worker thread of a {@code cpu} pool, whose backing executor is a {@link ForkJoinPool}: what
 * {@link PoolThread} is for the threads pool. It carries its pool's {@link WorkerTally}, keeps its
 * thread-locals between tasks (the {@link CpuClock.Sampler} lives in one), and is a non-daemon
 * thread like the threads pool's, named {@code gearbox-<pool>-<n>}.
 */
final class PoolForkJoinThread extends ForkJoinWorkerThread {

  final ExecutorPool owner;
  final WorkerTally tally;

  PoolForkJoinThread(ForkJoinPool backing, ExecutorPool owner, WorkerTally tally, String name) {
    super(null, backing, true);
    this.owner = owner;
    this.tally = tally;
    setName(name);
    setDaemon(false);
  }
}
