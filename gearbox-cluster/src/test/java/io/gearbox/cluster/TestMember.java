package io.gearbox.cluster;

import java.time.Duration;

/**
 * A member JVM for the tests: {@code TestMember <clusterName> <port> <join,list>}. Prints
 * {@code READY <address> <pid>} once joined; leaves gracefully on SIGTERM; halts when its parent
 * closes its stdin (so no member outlives a test JVM that died).
 */
public final class TestMember {

  private TestMember() {}

  public static void main(String[] args) throws Exception {
    ClusterMember member = GearboxCluster.builder()
        .clusterName(args[0])
        .port(Integer.parseInt(args[1]))
        .members(args[2])
        .failureDetection(Duration.ofSeconds(1), Duration.ofSeconds(5))
        .memberThreads(8)
        .startMember();
    Thread.ofPlatform().daemon().name("stdin-watch").start(() -> {
      try {
        while (System.in.read() >= 0) {
          // the parent keeps stdin open while it lives
        }
      } catch (java.io.IOException e) {
        // treated as EOF
      }
      Runtime.getRuntime().halt(3);
    });
    System.out.println("READY " + member.address() + " " + member.pid());
    System.out.flush();
    member.runUntilShutdown(Duration.ofSeconds(30), unfinished -> {
      System.out.println("LEFT " + unfinished);
      System.out.flush();
    });
  }
}
