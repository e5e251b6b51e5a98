package io.gearbox.internal.auto;

import io.gearbox.CarrierHog;
import io.gearbox.Pool;
import io.gearbox.PoolKind;
import io.gearbox.Saturation;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A validated auto-pool configuration, as built by {@link io.gearbox.AutoPoolBuilder}.
 *
 * @param name the pool name (never null)
 * @param maxInFlight bound on queued plus running tasks over all sides
 * @param saturation what submit does at the bound
 * @param captureSubmitSite whether submits record their call site
 * @param cpuThreads fixed CPU-side threads, or 0 to size from measurements
 * @param probeRuns probes before a key's first verdict
 * @param reprobeEvery one run in this many of a virtual-routed key is re-probed
 * @param hogThreshold runnable-without-parking time that makes a carrier hog
 * @param hogListener called with each report, or null
 * @param overrides fixed routes by key
 * @param isolation makes the pool for isolated tasks
 * @param watchPinning whether to report jdk.VirtualThreadPinned events
 *
 * <p>Public for io.gearbox.AutoPoolBuilder; not exported.
 */
public record AutoConfig(
    String name,
    int maxInFlight,
    Saturation saturation,
    boolean captureSubmitSite,
    int cpuThreads,
    int probeRuns,
    int reprobeEvery,
    Duration hogThreshold,
    Consumer<? super CarrierHog> hogListener,
    Map<String, PoolKind> overrides,
    Supplier<? extends Pool> isolation,
    boolean watchPinning) {}
