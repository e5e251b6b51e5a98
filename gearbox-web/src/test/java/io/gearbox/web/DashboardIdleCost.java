package io.gearbox.web;

import io.gearbox.AutoPool;
import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.PoolKind;
import io.gearbox.ProcessPool;
import io.helidon.webserver.WebServer;

/**
 * Serves a dashboard of idle pools (threads, cpu, virtual, auto, processes with one worker) on a
 * free port of 127.0.0.1, prints {@code port=<n> pid=<pid>}, and runs until its standard input
 * ends. For measuring what watching the dashboard costs while nothing happens: read this JVM's CPU
 * time from {@code /proc/<pid>/stat} with and without clients on {@code /events} (the commands
 * and results are in docs/dashboard.md).
 */
public final class DashboardIdleCost {

  private DashboardIdleCost() {}

  /** With {@code --builds N}: the CPU time of one snapshot build, after as many for warm-up. */
  public static void main(String[] args) throws Exception {
    try (Pool threads = Gearbox.threadsBuilder().name("threads").threads(4).build();
        Pool cpu = Gearbox.cpuBuilder().name("cpu").build();
        Pool virtual = Gearbox.virtualBuilder().name("virtual").build();
        AutoPool auto = Gearbox.autoBuilder().name("auto").build();
        ProcessPool processes = Gearbox.processBuilder().name("processes").workers(1).build()) {
      processes.invoke(() -> 1); // a live worker, so each snapshot reads its /proc entries
      if (args.length == 2 && args[0].equals("--builds")) {
        timeBuilds(Integer.parseInt(args[1]), threads, cpu, virtual, auto, processes);
        return;
      }
      WebServer server = WebServer.builder().host("127.0.0.1").port(0)
          .routing(r -> r.register("/", GearboxDashboard.of(threads, cpu, virtual, auto, processes)))
          .build().start();
      System.out.println("port=" + server.port() + " pid=" + ProcessHandle.current().pid());
      System.out.flush();
      while (System.in.read() >= 0) {
        // runs until stdin ends
      }
      server.stop();
    }
  }

  private static void timeBuilds(int n, Pool... pools) {
    Snapshots snapshots = new Snapshots(java.util.List.of(pools));
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long bytes = 0;
    for (int round = 0; round < 2; round++) {
      long cpu = mx.getCurrentThreadCpuTime();
      long wall = System.nanoTime();
      for (int i = 0; i < n; i++) {
        bytes += snapshots.build(System.nanoTime()).length();
      }
      System.out.printf("%s: %d builds, %.1f us CPU and %.1f us wall each%n",
          round == 0 ? "warm-up" : "measured", n,
          (mx.getCurrentThreadCpuTime() - cpu) / 1e3 / n, (System.nanoTime() - wall) / 1e3 / n);
    }
    System.out.println("(" + bytes / (2L * n) + " bytes each)");
  }
}
