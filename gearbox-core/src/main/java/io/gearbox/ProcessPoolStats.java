package io.gearbox;

/**
 * A snapshot of a process pool's worker-level counters; the task-level ones are in
 * {@link Pool#stats()}.
 *
 * @param workers the configured number of workers
 * @param live workers running now (started and not yet reaped)
 * @param spawned workers started successfully since the pool was created
 * @param spawnFailures workers that could not be started
 * @param crashed workers that died unexpectedly
 * @param recycled workers retired after maxTasksPerWorker tasks or above maxWorkerRss (not crashes)
 * @param killed workers killed because a cancelled or timed-out task ignored its interrupt
 * @param retries task attempts re-run after a crash (idempotent tasks only)
 * @param resent tasks sent to another worker because theirs was gone before the task reached it
 *     (killed or crashed while idle): not attempts, and not failures of the task
 * @param staleResults results that arrived for an attempt already superseded, and were dropped
 * @param rejectedConnections connections to the pool's socket that failed the handshake
 * @param meanSpawnNanos mean time from starting a worker's JVM to its handshake, or 0
 * @param broken whether the pool is BROKEN
 */
public record ProcessPoolStats(
    int workers,
    int live,
    long spawned,
    long spawnFailures,
    long crashed,
    long recycled,
    long killed,
    long retries,
    long resent,
    long staleResults,
    long rejectedConnections,
    long meanSpawnNanos,
    boolean broken) {}
