package io.gearbox.cluster.internal;

import io.gearbox.cluster.Placement;
import java.time.Duration;
import java.util.List;

/**
 * A validated cluster configuration, as built by {@link io.gearbox.cluster.GearboxCluster.Builder}.
 *
 * @param clusterName members join only clusters of the same name
 * @param port the member port, or -1 for 5701 and up (the first free one)
 * @param interfaceAddress the address a member binds to and advertises (127.0.0.1 by default)
 * @param members {@code host:port} addresses to join (a member) or connect to (a client)
 * @param retries retries given to tasks that ask for fewer
 * @param placement how tasks without a key are placed
 * @param name the pool name, or null for a generated one
 * @param maxInFlight bound on the pool's tasks queued plus running
 * @param heartbeat how often members (and a client) send heartbeats
 * @param maxNoHeartbeat how long without a heartbeat before a member is declared dead
 * @param connectTimeout how long a client tries to reach the cluster before giving up
 * @param memberThreads threads of a member's task executor
 * @param allowPackages packages the codec decodes besides the defaults and the task packages
 */
public record ClusterSettings(
    String clusterName,
    int port,
    String interfaceAddress,
    List<String> members,
    int retries,
    Placement placement,
    String name,
    int maxInFlight,
    Duration heartbeat,
    Duration maxNoHeartbeat,
    Duration connectTimeout,
    int memberThreads,
    List<String> allowPackages) {

  /** The default member port, as Hazelcast's. */
  public static final int DEFAULT_PORT = 5701;

  /** Copies the lists. */
  public ClusterSettings {
    members = List.copyOf(members);
    allowPackages = List.copyOf(allowPackages);
  }

  /** Whether the member binds somewhere other than loopback (and should warn). */
  public boolean exposed() {
    return !interfaceAddress.equals("127.0.0.1") && !interfaceAddress.equals("localhost");
  }
}
