package io.gearbox;

import io.gearbox.internal.ExecutorPool;
import io.gearbox.internal.PoolConfig;

/**
 * The builder of a {@link PoolKind#VIRTUAL} pool, one virtual thread per task. It has only the
 * options every pool has (a virtual pool has no thread count, and a virtual thread's CPU time
 * cannot be measured), so it is not exported: {@link Gearbox#virtualBuilder()} returns it as a
 * {@link PoolBuilder}.
 */
final class VirtualPoolBuilder extends PoolBuilder<VirtualPoolBuilder> {

  VirtualPoolBuilder() {}

  @Override
  public PoolKind kind() {
    return PoolKind.VIRTUAL;
  }

  /** Builds and starts the pool. */
  @Override
  public Pool build() {
    int bound = maxInFlight > 0 ? maxInFlight : Gearbox.DEFAULT_VIRTUAL_MAX_IN_FLIGHT;
    return new ExecutorPool(new PoolConfig(PoolKind.VIRTUAL, name, -1, bound, saturation,
        captureSubmitSite, false));
  }
}
