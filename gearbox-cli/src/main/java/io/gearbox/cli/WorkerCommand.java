package io.gearbox.cli;

import io.gearbox.cluster.ClusterMember;
import io.gearbox.cluster.GearboxCluster;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code gearbox worker}: a cluster member that runs {@code ClusterPool} tasks for others, until
 * SIGTERM (or Ctrl-C), on which it leaves gracefully: it takes no new tasks and finishes the ones
 * it accepted (up to {@code --grace}). See docs/cluster.md.
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    header = "Runs a cluster member (Hazelcast) that executes cluster-pool tasks.",
    description = {
      "%nPrints its address; clients connect with GearboxCluster.connect(\"HOST:PORT\"), other",
      "workers with --join. Every member needs the task classes: pass them with --class-path.",
      "Binds to 127.0.0.1 unless --interface names another address (then it warns: Hazelcast",
      "Community has no TLS or authentication, so the cluster must stay on a private network).",
      "SIGTERM leaves gracefully: no new tasks, running ones finish (up to --grace).%n",
    })
public final class WorkerCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--join", paramLabel = "HOST:PORT", split = ",",
      description = "Members to join (default: start a new cluster).")
  List<String> join = List.of();

  @Option(names = "--port", paramLabel = "N",
      description = "Port to listen on (default: 5701, or the next free one).")
  Integer port;

  @Option(names = "--interface", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address to bind and advertise (default: ${DEFAULT-VALUE}).")
  String interfaceAddress;

  @Option(names = "--class-path", paramLabel = "CP",
      description = "Jars and directories with the task classes (the launcher puts them on the"
          + " worker's class path).")
  String classPath;

  @Option(names = "--cluster-name", paramLabel = "NAME", defaultValue = "gearbox",
      description = "Cluster to join (default: ${DEFAULT-VALUE}).")
  String clusterName;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "16",
      description = "Threads that run tasks (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "60",
      description = "On SIGTERM, how long running tasks may finish (default: ${DEFAULT-VALUE}).")
  int graceSeconds;

  @Override
  public Integer call() throws Exception {
    if (port != null && (port < 1 || port > 65535)) {
      throw new ParameterException(spec.commandLine(), "--port must be 1-65535, was " + port);
    }
    if (threads < 1 || graceSeconds < 0) {
      throw new ParameterException(spec.commandLine(), "--threads must be >= 1 and --grace >= 0");
    }
    checkClassPath();
    GearboxCluster.Builder b = GearboxCluster.builder().clusterName(clusterName)
        .interfaceAddress(interfaceAddress).memberThreads(threads);
    try {
      if (!join.isEmpty()) {
        b.members(join.toArray(String[]::new));
      }
      if (port != null) {
        b.port(port);
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (port != null) {
      checkPortFree(port); // else Hazelcast logs a stack trace before failing
    }
    ClusterMember member = b.startMember();
    PrintWriter out = spec.commandLine().getOut();
    out.printf("gearbox worker: member %s (pid %d) in cluster '%s' of %d member(s); SIGTERM leaves"
        + " gracefully%n", member.address(), member.pid(), clusterName, member.clusterSize());
    out.flush();
    String address = member.address();
    member.runUntilShutdown(Duration.ofSeconds(graceSeconds), unfinished -> {
      out.println(unfinished == 0
          ? "gearbox worker: " + address + " left the cluster; every task it accepted finished"
          : "gearbox worker: " + address + " left the cluster with " + unfinished + " task(s)"
              + " unfinished after " + graceSeconds + " s (--grace); their callers see them lost");
      out.flush();
    });
    return 0;
  }

  private void checkPortFree(int p) {
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.bind(new java.net.InetSocketAddress(interfaceAddress, p));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot listen on " + interfaceAddress + ":" + p + " ("
          + e.getMessage() + "): pick another --port, or --interface");
    }
  }

  /** Each --class-path entry must exist and be on this JVM's class path (the launcher adds it). */
  private void checkClassPath() {
    if (classPath == null) {
      return;
    }
    List<String> onPath = Arrays.asList(System.getProperty("java.class.path", "").split(File.pathSeparator));
    for (String entry : classPath.split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      if (!Files.exists(Path.of(entry))) {
        throw new ParameterException(spec.commandLine(), "--class-path entry does not exist: " + entry);
      }
      if (!onPath.contains(entry)) {
        throw new ParameterException(spec.commandLine(), "--class-path entry " + entry + " is not on"
            + " this JVM's class path: start workers with ./gearbox worker, which adds it");
      }
    }
  }
}
