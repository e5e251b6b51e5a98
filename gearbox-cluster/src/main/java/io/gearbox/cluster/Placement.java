package io.gearbox.cluster;

/**
 * How a {@link ClusterPool} picks the member for a task that names no key. A task whose
 * {@link io.gearbox.TaskOptions#withKey key} is set always runs on the member that owns the key's
 * partition (affinity), whatever the placement.
 */
public enum Placement {
  /** The member with the fewest of this pool's tasks in flight; ties go round-robin. */
  LEAST_IN_FLIGHT,
  /** Members in turn, regardless of load. */
  ROUND_ROBIN
}
