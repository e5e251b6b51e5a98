package io.gearbox.internal.process;

import io.gearbox.Saturation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The validated settings of a process pool, built by {@link io.gearbox.ProcessPoolBuilder}.
 *
 * <p>Public for io.gearbox.ProcessPoolBuilder, which makes one; not exported.
 *
 * @param name pool name, or null for a generated one
 * @param workers worker JVMs
 * @param maxInFlight bound on queued plus running tasks
 * @param saturation what submit does at the bound
 * @param captureSubmitSite whether submits record their call site
 * @param javaCommand the java executable, or null for the caller's
 * @param jvmOptions extra worker JVM options
 * @param maxHeap -Xmx value, or null
 * @param activeProcessorCount -XX:ActiveProcessorCount value
 * @param maxTasksPerWorker recycle after this many tasks, 0 for never
 * @param maxWorkerRssBytes recycle above this RSS, 0 for never
 * @param maxRestarts crashes allowed within restartWindow
 * @param restartWindow window of the restart limit
 * @param cancelGrace interrupt-to-kill grace period
 * @param spawnTimeout start-to-handshake limit
 * @param replayOutput whether task output is replayed to the caller's console
 * @param allowPackages extra packages the JDK codec's filter allows
 * @param maxFrameBytes frame cap
 * @param codecClass custom codec class name, or null for the JDK codec
 * @param aotCache the workers' AOT cache file, or null for none
 * @param classPath the workers' class path, or null to find it ({@link WorkerLaunch})
 */
public record ProcessConfig(
    String name,
    int workers,
    int maxInFlight,
    Saturation saturation,
    boolean captureSubmitSite,
    Path javaCommand,
    List<String> jvmOptions,
    String maxHeap,
    int activeProcessorCount,
    int maxTasksPerWorker,
    long maxWorkerRssBytes,
    int maxRestarts,
    Duration restartWindow,
    Duration cancelGrace,
    Duration spawnTimeout,
    boolean replayOutput,
    List<String> allowPackages,
    int maxFrameBytes,
    String codecClass,
    Path aotCache,
    List<Path> classPath) {}
