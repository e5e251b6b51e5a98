package io.gearbox.cluster.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.Partition;
import io.gearbox.cluster.Placement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the member for each attempt: the key's partition owner when a task names a key, else the
 * data member with the fewest of this pool's calls in flight (ties in turn), skipping members this
 * pool saw lost or leaving. Counts calls in flight per member. Thread-safe.
 */
final class MemberTable {

  private final HazelcastInstance hz;
  private final Placement placement;
  private final ConcurrentHashMap<UUID, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  /** Members seen lost or leaving; they stay in Hazelcast's list until the cluster notices. */
  private final Set<UUID> avoid = ConcurrentHashMap.newKeySet();
  private final AtomicInteger turn = new AtomicInteger();

  MemberTable(HazelcastInstance hz, Placement placement) {
    this.hz = hz;
    this.placement = placement;
  }

  /** Data members now, in the cluster's order. */
  List<Member> dataMembers() {
    List<Member> out = new ArrayList<>();
    for (Member m : hz.getCluster().getMembers()) {
      if (!m.isLiteMember()) {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * The member for the next attempt, or null if there is none outside {@code excluded} and the
   * members to avoid.
   */
  Member pick(Object key, Set<UUID> excluded) {
    List<Member> candidates = new ArrayList<>();
    for (Member m : dataMembers()) {
      if (!excluded.contains(m.getUuid()) && !avoid.contains(m.getUuid())) {
        candidates.add(m);
      }
    }
    if (candidates.isEmpty()) {
      return null;
    }
    if (key != null) {
      Partition p = hz.getPartitionService().getPartition(key);
      Member owner = p == null ? null : p.getOwner();
      if (owner != null && candidates.stream().anyMatch(m -> m.getUuid().equals(owner.getUuid()))) {
        return owner;
      }
    }
    int start = Math.floorMod(turn.getAndIncrement(), candidates.size());
    if (placement == Placement.ROUND_ROBIN) {
      return candidates.get(start);
    }
    Member best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < candidates.size(); i++) {
      Member m = candidates.get((start + i) % candidates.size());
      int load = load(m);
      if (load < bestLoad) {
        best = m;
        bestLoad = load;
      }
    }
    return best;
  }

  /** Whether {@code m} owns the key's partition, as far as this instance knows now. */
  boolean ownsKey(Member m, Object key) {
    Partition p = hz.getPartitionService().getPartition(key);
    Member owner = p == null ? null : p.getOwner();
    return owner != null && owner.getUuid().equals(m.getUuid());
  }

  int load(Member m) {
    AtomicInteger n = inFlight.get(m.getUuid());
    return n == null ? 0 : n.get();
  }

  void begin(Member m) {
    inFlight.computeIfAbsent(m.getUuid(), u -> new AtomicInteger()).incrementAndGet();
  }

  void end(Member m) {
    inFlight.get(m.getUuid()).decrementAndGet();
  }

  /** Stops placing work on a member that was lost or is leaving. */
  void avoid(Member m) {
    avoid.add(m.getUuid());
  }

  /** The member's address as {@code host:port}. */
  static String address(Member m) {
    return m.getAddress().getHost() + ":" + m.getAddress().getPort();
  }

  /** The member's pid as it published it, or -1. */
  static long pid(Member m) {
    String p = m.getAttribute(HazelcastSetup.PID_ATTRIBUTE);
    try {
      return p == null ? -1 : Long.parseLong(p);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
