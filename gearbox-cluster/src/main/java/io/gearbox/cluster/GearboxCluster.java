package io.gearbox.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.gearbox.cluster.internal.ClusterPoolEngine;
import io.gearbox.cluster.internal.ClusterSettings;
import io.gearbox.cluster.internal.HazelcastSetup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Entry points of the cluster pool: {@link #embedded()} (a member in this JVM: no setup),
 * {@link #connect(String...)} (a client of running members) and {@link #builder()}.
 *
 * <pre>{@code
 * // on each machine:   ./gearbox worker --join 10.0.0.5:5701 --interface 10.0.0.6 --class-path app.jar
 * try (ClusterPool pool = GearboxCluster.connect("10.0.0.5:5701")) {
 *   pool.map(x -> score(x), inputs).forEach(System.out::println);
 * }
 * }</pre>
 *
 * <p><b>Security.</b> Hazelcast Community has no TLS and no member authentication: anyone who can
 * reach a member's port can join the cluster and run code on it. Members therefore bind to
 * 127.0.0.1 unless an interface is named, and then warn that the cluster must stay on a private
 * network. Multicast, cloud auto-detection and phone-home are off; no Enterprise feature is used.
 */
public final class GearboxCluster {

  private GearboxCluster() {}

  /**
   * Starts a member in this JVM on 127.0.0.1 (port 5701, or the next free one) and returns a pool
   * that runs tasks on it and on any member that joins it.
   */
  public static ClusterPool embedded() {
    return builder().embedded();
  }

  /**
   * Connects to running members as a client and returns a pool whose tasks run only on them,
   * never in this JVM.
   *
   * @param members addresses like {@code "127.0.0.1:5701"}; one reachable member is enough
   * @throws IllegalArgumentException if no address is given or one is malformed
   * @throws IllegalStateException if no member answers within the connect timeout
   */
  public static ClusterPool connect(String... members) {
    return builder().members(members).connect();
  }

  /** A builder for cluster name, port, interface, members, retries, placement and timeouts. */
  public static Builder builder() {
    return new Builder();
  }

  /** Settings for a cluster pool or member. Not thread-safe; build once. */
  public static final class Builder {

    private String clusterName = "gearbox";
    private int port = -1;
    private String interfaceAddress = "127.0.0.1";
    private final List<String> members = new ArrayList<>();
    private int retries;
    private Placement placement = Placement.LEAST_IN_FLIGHT;
    private String name;
    private int maxInFlight = 10_000;
    private Duration heartbeat = Duration.ofSeconds(5);
    private Duration maxNoHeartbeat = Duration.ofSeconds(60);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private int memberThreads = 16;
    private final List<String> allowPackages = new ArrayList<>();

    private Builder() {}

    /** Members join only a cluster of the same name; {@code "gearbox"} by default. */
    public Builder clusterName(String clusterName) {
      this.clusterName = requireText(clusterName, "clusterName");
      return this;
    }

    /** The member port; by default 5701, or the next free one up to 5800. */
    public Builder port(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be 1-65535, was " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * The address a member binds to and advertises; 127.0.0.1 by default. Any other address
     * exposes an unauthenticated cluster: a warning is printed when the member starts.
     */
    public Builder interfaceAddress(String address) {
      this.interfaceAddress = requireText(address, "interfaceAddress");
      return this;
    }

    /**
     * Member addresses ({@code host:port}): for {@link #connect()} the members to reach, for
     * {@link #embedded()} and {@link #startMember()} the members to join.
     *
     * @throws IllegalArgumentException if an address is not {@code host:port}
     */
    public Builder members(String... addresses) {
      Objects.requireNonNull(addresses, "addresses");
      for (String a : addresses) {
        for (String one : Objects.requireNonNull(a, "address").split(",")) {
          members.add(checkAddress(one.trim()));
        }
      }
      return this;
    }

    /**
     * Retries for every task of the pool (a task's own {@link io.gearbox.TaskOptions#withRetries}
     * may ask for more): after its member is lost, a task runs again on another member. Only for
     * idempotent tasks; 0 (at-most-once) by default.
     */
    public Builder retries(int retries) {
      if (retries < 0) {
        throw new IllegalArgumentException("retries must be >= 0, was " + retries);
      }
      this.retries = retries;
      return this;
    }

    /** How tasks without a key are placed; {@link Placement#LEAST_IN_FLIGHT} by default. */
    public Builder placement(Placement placement) {
      this.placement = Objects.requireNonNull(placement, "placement");
      return this;
    }

    /** The pool's name, used in thread names, messages and stats. */
    public Builder name(String name) {
      this.name = requireText(name, "name");
      return this;
    }

    /** Bound on the pool's tasks queued plus running; beyond it submit blocks. 10,000 by default. */
    public Builder maxInFlight(int maxInFlight) {
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
      }
      this.maxInFlight = maxInFlight;
      return this;
    }

    /**
     * Failure detection: heartbeats every {@code interval}; a member (or, for a client, the
     * connection) silent for {@code maxSilence} is declared dead. Hazelcast's defaults (5 s, 60 s)
     * unless set; a SIGKILLed member on a live host is seen at once, its socket closing.
     */
    public Builder failureDetection(Duration interval, Duration maxSilence) {
      if (interval.toMillis() < 1000 || maxSilence.compareTo(interval) <= 0) {
        throw new IllegalArgumentException("heartbeat interval must be >= 1 s and below the"
            + " silence limit, were " + interval + " and " + maxSilence);
      }
      this.heartbeat = interval;
      this.maxNoHeartbeat = maxSilence;
      return this;
    }

    /** How long {@link #connect()} tries to reach a member before failing; 10 s by default. */
    public Builder connectTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("connectTimeout must be positive, was " + timeout);
      }
      this.connectTimeout = timeout;
      return this;
    }

    /** Threads that run tasks on a member this builder starts; 16 by default (Hazelcast's). */
    public Builder memberThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("memberThreads must be >= 1, was " + threads);
      }
      this.memberThreads = threads;
      return this;
    }

    /**
     * Packages (with subpackages) whose classes may be decoded in results and arguments, besides
     * {@code java.util}, {@code java.time}, {@code java.math}, {@code io.gearbox} and each task's
     * own package.
     */
    public Builder allowPackages(String... packages) {
      for (String p : packages) {
        allowPackages.add(requireText(p, "package"));
      }
      return this;
    }

    /**
     * Starts a member in this JVM (joining {@link #members} if given) and returns a pool that runs
     * tasks on every data member, this one included.
     *
     * @throws IllegalStateException if the member cannot start (port taken, ...)
     */
    public ClusterPool embedded() {
      ClusterSettings s = settings();
      warnIfExposed(s);
      HazelcastInstance hz = HazelcastSetup.startMember(s);
      return new ClusterPoolEngine(s, hz, true);
    }

    /**
     * Connects to {@link #members} as a client: tasks run only on the members.
     *
     * @throws IllegalArgumentException if no member address was given
     * @throws IllegalStateException if no member answers within the connect timeout
     */
    public ClusterPool connect() {
      ClusterSettings s = settings();
      if (s.members().isEmpty()) {
        throw new IllegalArgumentException("connect needs at least one member address (host:port)");
      }
      HazelcastInstance hz;
      try {
        hz = HazelcastSetup.connectClient(s);
      } catch (IllegalStateException e) {
        throw new IllegalStateException("could not reach cluster '" + s.clusterName() + "' at "
            + String.join(", ", s.members()) + " within " + s.connectTimeout().toSeconds()
            + " s: is a member running there (./gearbox worker), with the same cluster name?", e);
      }
      return new ClusterPoolEngine(s, hz, false);
    }

    /**
     * Starts a member that runs tasks for others (what {@code ./gearbox worker} does), joining
     * {@link #members} if given.
     */
    public ClusterMember startMember() {
      ClusterSettings s = settings();
      warnIfExposed(s);
      return new ClusterMember(HazelcastSetup.startMember(s));
    }

    private ClusterSettings settings() {
      return new ClusterSettings(clusterName, port, interfaceAddress, members, retries, placement,
          name, maxInFlight, heartbeat, maxNoHeartbeat, connectTimeout, memberThreads, allowPackages);
    }

    private static void warnIfExposed(ClusterSettings s) {
      if (s.exposed()) {
        System.err.println("gearbox: WARNING: the cluster member binds to " + s.interfaceAddress()
            + ". Hazelcast Community has no TLS and no authentication: anyone who can reach this"
            + " port can run code here. Keep the cluster on a private network.");
      }
    }

    private static String requireText(String s, String what) {
      Objects.requireNonNull(s, what);
      if (s.isBlank()) {
        throw new IllegalArgumentException(what + " must not be blank");
      }
      return s;
    }

    private static String checkAddress(String a) {
      int colon = a.lastIndexOf(':');
      if (colon <= 0 || colon == a.length() - 1) {
        throw new IllegalArgumentException("member address must be host:port, was '" + a + "'");
      }
      try {
        int p = Integer.parseInt(a.substring(colon + 1));
        if (p < 1 || p > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("member address must be host:port with a port 1-65535,"
            + " was '" + a + "'");
      }
      return a;
    }
  }
}
