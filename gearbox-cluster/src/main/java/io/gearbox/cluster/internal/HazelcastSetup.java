package io.gearbox.cluster.internal;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hazelcast configuration for members and clients, in one place: TCP-IP join with an explicit
 * member list (multicast and auto-detection off), bound to one interface (127.0.0.1 unless told
 * otherwise, and no wildcard bind), phone-home off, heartbeats as configured, a Java
 * deserialization allow-list, and Hazelcast's log quietened to warnings.
 */
public final class HazelcastSetup {

  /** The executor that runs tasks on members. */
  public static final String TASKS = "gearbox";
  /** The executor that answers probes (is a call still running?); never busy with tasks. */
  public static final String CONTROL = "gearbox-control";
  /** The map of members leaving on purpose: UUID to pid. */
  public static final String LEAVING = "gearbox-leaving";
  /** The member attribute that carries the member's pid. */
  public static final String PID_ATTRIBUTE = "gearbox.pid";

  /** Kept so the level set on it is not lost to garbage collection. */
  private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");

  private HazelcastSetup() {}

  /** Starts a member: blocks until it has joined (or formed) the cluster. */
  public static HazelcastInstance startMember(ClusterSettings s) {
    quietLogs();
    Config c = new Config();
    c.setClusterName(s.clusterName());
    c.setInstanceName("gearbox-member-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    common(c::setProperty, s);
    c.setProperty("hazelcast.socket.bind.any", "false");
    c.setProperty("hazelcast.local.localAddress", s.interfaceAddress());
    c.setProperty("hazelcast.heartbeat.interval.seconds", seconds(s.heartbeat()));
    c.setProperty("hazelcast.max.no.heartbeat.seconds", seconds(s.maxNoHeartbeat()));
    c.setProperty("hazelcast.shutdownhook.enabled", "false"); // the worker leaves on its own hook
    NetworkConfig net = c.getNetworkConfig();
    net.setPort(s.port() < 0 ? ClusterSettings.DEFAULT_PORT : s.port());
    net.setPortAutoIncrement(s.port() < 0);
    net.getInterfaces().setEnabled(true).addInterface(s.interfaceAddress());
    net.getRestApiConfig().setEnabled(false);
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(s.members().isEmpty()
        ? java.util.List.of(s.interfaceAddress()) : s.members());
    c.getMemberAttributeConfig().setAttribute(PID_ATTRIBUTE,
        Long.toString(ProcessHandle.current().pid()));
    c.getExecutorConfig(TASKS).setPoolSize(s.memberThreads()).setStatisticsEnabled(false);
    c.getExecutorConfig(CONTROL).setPoolSize(2).setStatisticsEnabled(false);
    c.getSerializationConfig().setJavaSerializationFilterConfig(filter());
    c.getJetConfig().setEnabled(false);
    return Hazelcast.newHazelcastInstance(c);
  }

  /** Connects a client: throws {@link IllegalStateException} if no member answers in time. */
  public static HazelcastInstance connectClient(ClusterSettings s) {
    quietLogs();
    ClientConfig c = new ClientConfig();
    c.setClusterName(s.clusterName());
    c.setInstanceName("gearbox-client-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    common(c::setProperty, s);
    c.setProperty("hazelcast.client.heartbeat.interval", Long.toString(s.heartbeat().toMillis()));
    c.setProperty("hazelcast.client.heartbeat.timeout", Long.toString(s.maxNoHeartbeat().toMillis()));
    c.setProperty("hazelcast.client.shutdownhook.enabled", "false");
    c.getNetworkConfig().setAddresses(new java.util.ArrayList<>(s.members()));
    c.getNetworkConfig().setRedoOperation(false); // never re-send a task on its own: at-most-once
    c.getNetworkConfig().setConnectionTimeout((int) Math.min(Integer.MAX_VALUE,
        Math.max(1000, s.connectTimeout().toMillis() / 2)));
    c.getConnectionStrategyConfig().getConnectionRetryConfig()
        .setClusterConnectTimeoutMillis(s.connectTimeout().toMillis())
        .setInitialBackoffMillis(100).setMaxBackoffMillis(1000);
    c.getSerializationConfig().setJavaSerializationFilterConfig(filter());
    return HazelcastClient.newHazelcastClient(c);
  }

  private interface Properties {
    Object set(String key, String value);
  }

  private static void common(Properties p, ClusterSettings s) {
    p.set("hazelcast.phone.home.enabled", "false");
    p.set("hazelcast.logging.type", System.getProperty("hazelcast.logging.type", "jdk"));
  }

  /** Hazelcast's own Java deserialization: its defaults plus Gearbox's classes, nothing else. */
  private static JavaSerializationFilterConfig filter() {
    JavaSerializationFilterConfig f = new JavaSerializationFilterConfig();
    f.setDefaultsDisabled(false);
    f.getWhitelist().addPrefixes("io.gearbox.");
    return f;
  }

  private static String seconds(java.time.Duration d) {
    return Long.toString(Math.max(1, d.toSeconds()));
  }

  private static void quietLogs() {
    if (System.getProperty("hazelcast.logging.type") == null && HAZELCAST_LOG.getLevel() == null) {
      HAZELCAST_LOG.setLevel(Level.WARNING);
    }
  }
}
