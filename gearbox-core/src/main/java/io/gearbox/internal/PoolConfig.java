package io.gearbox.internal;

import io.gearbox.PoolKind;
import io.gearbox.Saturation;

/**
 * A validated pool configuration, as built by {@link io.gearbox.PoolBuilder}.
 *
 * @param kind the execution model
 * @param name the pool name, or null for a generated one
 * @param threads platform threads, or -1 for a virtual pool
 * @param maxInFlight bound on queued plus running tasks
 * @param saturation what submit does at the bound
 * @param captureSubmitSite whether submits record their call site
 * @param measureCpuTime whether tasks on platform threads have their CPU time measured
 *
 * <p>Public for the builders (io.gearbox), the process and auto engines, and gearbox-cluster's
 * engine; not exported.
 */
public record PoolConfig(
    PoolKind kind,
    String name,
    int threads,
    int maxInFlight,
    Saturation saturation,
    boolean captureSubmitSite,
    boolean measureCpuTime) {}
