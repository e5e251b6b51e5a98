package io.gearbox.cli.bench;

import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.SerializableFunction;
import io.gearbox.TaskHandle;
import io.gearbox.cli.Style;
import io.gearbox.cli.Table;
import io.gearbox.cluster.ClusterPool;
import io.gearbox.cluster.GearboxCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code gearbox bench cluster}: the cluster pool against the process pool on the same machine.
 * Starts N member JVMs ({@code gearbox worker}) on 127.0.0.1, connects to them as a client, and
 * measures a tiny task's round trip, a batched map of tiny items, and the seed's compute_heavy
 * spread over the members; the same with a process pool of N workers; and the start of an embedded
 * member in this JVM.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    header = "Measures the cluster pool (Hazelcast) beside the process pool.",
    description = {
      "%nround trip      submit(() -> i).join() in a loop: one task's latency (median of each call)",
      "in flight       the same tiny tasks all submitted, then joined: tasks per second",
      "map             pool.map(x -> x + 1, N integers), batched: items per second",
      "compute_heavy   the seed's compute_heavy(1..4) at --scale, all submitted, then joined",
      "embedded start  GearboxCluster.embedded() in this JVM to its first result",
      "Goals (issue 10): round trip <= 1 ms median; map >= 200,000 items/s over 2 members;",
      "embedded start <= 3 s.%n",
    })
final class ClusterBench implements Callable<Integer> {

  /** Hazelcast's JDK 25 flags, as the launcher passes them. */
  static final List<String> MEMBER_FLAGS = List.of("--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC", "-Xmx512m");

  @Spec CommandSpec spec;

  @ParentCommand BenchCommand bench;

  @Option(names = "--members", paramLabel = "N", defaultValue = "2",
      description = "Member JVMs, and process-pool workers (default: ${DEFAULT-VALUE}).")
  int members;

  @Option(names = "--round-trips", paramLabel = "N", defaultValue = "2000",
      description = "Tiny tasks per round-trip run (default: ${DEFAULT-VALUE}).")
  int roundTrips;

  @Option(names = "--items", paramLabel = "N", defaultValue = "200000",
      description = "Items per map run (default: ${DEFAULT-VALUE}).")
  int items;

  @Option(names = "--scale", paramLabel = "X", defaultValue = "2",
      description = "Multiplies compute_heavy's 10,000,000 (default: ${DEFAULT-VALUE}).")
  double scale;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "5",
      description = "Measured runs of each, after 2 warm-up runs (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
  Path json;

  @Option(names = "--html", paramLabel = "FILE", description = "Also write an HTML page of the results.")
  Path html;

  private static final int WARMUP = 2;

  @Override
  public Integer call() throws Exception {
    if (members < 1 || roundTrips < 1 || items < 1 || runs < 1 || !(scale > 0)) {
      throw new ParameterException(spec.commandLine(),
          "--members, --round-trips, --items and --runs must be at least 1, --scale above 0");
    }
    PrintWriter out = spec.commandLine().getOut();
    Style style = bench != null ? bench.style() : Style.PLAIN;

    double embeddedStartMs = embeddedStartMillis();
    out.printf(Locale.ROOT, "  embedded member: first result %.0f ms after embedded()%n", embeddedStartMs);
    out.flush();

    List<StrategyResult> results = new ArrayList<>();
    double[] rttProcesses;
    double[] rttCluster;
    double[] mapProcesses;
    double[] mapCluster;
    try (Pool processes = Gearbox.processBuilder().workers(members).replayOutput(false).build()) {
      out.printf("  processes: %d workers%n", members);
      out.flush();
      Measured m = measure(processes, "processes");
      results.addAll(m.results);
      rttProcesses = m.rttMicros;
      mapProcesses = m.mapRates;
    }
    String clusterName = "bench-" + ProcessHandle.current().pid();
    List<Process> memberJvms = new ArrayList<>();
    try {
      List<String> addresses = startMembers(clusterName, memberJvms, out);
      try (ClusterPool cluster = GearboxCluster.builder().clusterName(clusterName)
          .members(addresses.toArray(String[]::new)).connectTimeout(Duration.ofSeconds(60)).connect()) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (cluster.members().size() < members && System.nanoTime() < end) {
          Thread.sleep(50);
        }
        out.printf("  cluster: %d members %s, this JVM a client%n", cluster.members().size(), cluster.members());
        out.flush();
        Measured m = measure(cluster, "cluster");
        results.addAll(m.results);
        rttCluster = m.rttMicros;
        mapCluster = m.mapRates;
      }
    } finally {
      for (Process p : memberJvms) {
        p.destroy(); // SIGTERM: the members leave gracefully
      }
      for (Process p : memberJvms) {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor();
        }
      }
    }

    ObjectNode params = Report.JSON.createObjectNode();
    params.put("members", members);
    params.put("round_trips", roundTrips);
    params.put("items", items);
    params.put("compute_tasks", 4);
    params.put("scale", scale);
    params.put("runs", runs);
    params.put("warmup", WARMUP);
    ArrayNode flags = params.putArray("jvm_args");
    MEMBER_FLAGS.forEach(flags::add);
    ArrayNode strategies = params.putArray("strategies");
    strategies.add("processes");
    strategies.add("cluster");
    ObjectNode doc = Report.document("cluster", params, results);
    ObjectNode goals = doc.putObject("cluster");
    goals.put("embedded_start_ms", round(embeddedStartMs));
    goals.put("round_trip_median_us_processes", round(Report.median(rttProcesses)));
    goals.put("round_trip_median_us_cluster", round(Report.median(rttCluster)));
    goals.put("map_items_per_s_processes", Math.round(Report.median(mapProcesses)));
    goals.put("map_items_per_s_cluster", Math.round(Report.median(mapCluster)));

    out.println();
    Report.print(doc, out, style);
    double rtt = Report.median(rttCluster);
    double rate = Report.median(mapCluster);
    Table table = new Table().left("goal (cluster, " + members + " members)").right("median").right("goal").left("");
    table.row("tiny task round trip", String.format(Locale.ROOT, "%.0f us", rtt), "<= 1000 us",
        verdict(style, rtt <= 1000));
    table.row("batched map of tiny items", String.format(Locale.ROOT, "%,.0f /s", rate),
        ">= 200,000 /s", verdict(style, rate >= 200_000));
    table.row("embedded member start", String.format(Locale.ROOT, "%.0f ms", embeddedStartMs),
        "<= 3000 ms", verdict(style, embeddedStartMs <= 3000));
    table.row("processes: round trip / map", String.format(Locale.ROOT, "%.0f us / %,.0f /s",
        Report.median(rttProcesses), Report.median(mapProcesses)), "", "");
    out.println();
    table.print(out, style);
    out.flush();

    try {
      if (json != null) {
        Files.writeString(json, Report.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
      }
      if (html != null) {
        Files.writeString(html, HtmlReport.render(List.of(doc)));
      }
    } catch (IOException e) {
      spec.commandLine().getErr().println("gearbox: cannot write the report: " + e.getMessage());
      return 1;
    }
    return 0;
  }

  private record Measured(List<StrategyResult> results, double[] rttMicros, double[] mapRates) {}

  /** Warm-up, then measured runs of the three workloads on one pool. */
  private Measured measure(Pool pool, String strategy) {
    List<Sample> rtt = new ArrayList<>();
    List<Sample> map = new ArrayList<>();
    List<Sample> compute = new ArrayList<>();
    List<Sample> burst = new ArrayList<>();
    double[] rttMicros = new double[runs];
    double[] mapRates = new double[runs];
    List<Integer> inputs = IntStream.range(0, items).boxed().toList();
    SerializableFunction<Integer, Integer> plusOne = x -> x + 1;
    for (int r = -WARMUP; r < runs; r++) {
      long[] each = new long[roundTrips];
      long t0 = System.nanoTime();
      for (int i = 0; i < roundTrips; i++) {
        long s = System.nanoTime();
        int v = pool.submit(new Tasks.Tiny(i)).join();
        each[i] = System.nanoTime() - s;
        if (v != i * 31 + 7) {
          throw new IllegalStateException("wrong result " + v);
        }
      }
      long rttWall = System.nanoTime() - t0;

      long t1 = System.nanoTime();
      long sum = pool.map(plusOne, inputs).mapToLong(Integer::longValue).sum();
      long mapWall = System.nanoTime() - t1;
      if (sum != (long) items * (items + 1) / 2) {
        throw new IllegalStateException("map returned a wrong sum: " + sum);
      }

      long tb = System.nanoTime();
      List<TaskHandle<Integer>> tiny = new ArrayList<>(roundTrips);
      for (int i = 0; i < roundTrips; i++) {
        tiny.add(pool.submit(new Tasks.Tiny(i)));
      }
      tiny.forEach(TaskHandle::join);
      long burstWall = System.nanoTime() - tb;

      long t2 = System.nanoTime();
      List<TaskHandle<Long>> hs = new ArrayList<>();
      for (int n = 1; n <= 4; n++) {
        hs.add(pool.submit(new Tasks.Compute(n, scale)));
      }
      hs.forEach(TaskHandle::join);
      long computeWall = System.nanoTime() - t2;

      if (r >= 0) {
        Arrays.sort(each);
        rttMicros[r] = each[each.length / 2] / 1e3;
        mapRates[r] = items / (mapWall / 1e9);
        rtt.add(sample(rttWall, roundTrips));
        map.add(sample(mapWall, items));
        compute.add(sample(computeWall, 4));
        burst.add(sample(burstWall, roundTrips));
      }
    }
    return new Measured(List.of(
        new StrategyResult(new Job("round trip", strategy, Map.of(), WARMUP, runs, false), rtt, -1, null),
        new StrategyResult(new Job("tiny tasks all in flight", strategy, Map.of(), WARMUP, runs, false), burst, -1, null),
        new StrategyResult(new Job("map", strategy, Map.of(), WARMUP, runs, false), map, -1, null),
        new StrategyResult(new Job("compute_heavy", strategy, Map.of(), WARMUP, runs, false), compute, -1, null)),
        rttMicros, mapRates);
  }

  private static Sample sample(long wallNanos, int tasks) {
    return new Sample(false, wallNanos, -1, -1, tasks, tasks, -1, null,
        Report.JSON.createObjectNode());
  }

  /** Time from embedded() to the first result, in this JVM, on a free port of 127.0.0.1. */
  private static double embeddedStartMillis() throws IOException {
    int port = freePort();
    long t0 = System.nanoTime();
    try (ClusterPool pool = GearboxCluster.builder().clusterName("bench-embedded-" + ProcessHandle.current().pid())
        .port(port).members("127.0.0.1:" + port).embedded()) {
      pool.invoke(new Tasks.Tiny(1));
      return (System.nanoTime() - t0) / 1e6;
    }
  }

  /** Starts the member JVMs (gearbox worker) and returns their addresses once all are up. */
  private List<String> startMembers(String clusterName, List<Process> started, PrintWriter out)
      throws IOException, InterruptedException {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      addresses.add("127.0.0.1:" + freePort());
    }
    List<CompletableFuture<String>> ready = new ArrayList<>();
    for (String address : addresses) {
      List<String> cmd = new ArrayList<>();
      cmd.add(Harness.javaCommand());
      cmd.addAll(MEMBER_FLAGS);
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.gearbox.cli.Main", "worker",
          "--cluster-name", clusterName, "--port", address.substring(address.lastIndexOf(':') + 1),
          "--join", String.join(",", addresses)));
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      started.add(p);
      CompletableFuture<String> line = new CompletableFuture<>();
      ready.add(line);
      Thread.ofPlatform().daemon().name("gearbox-bench-member-out").start(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String l; (l = r.readLine()) != null; ) {
            if (l.startsWith("gearbox worker: member")) {
              line.complete(l);
            }
          }
        } catch (IOException e) {
          // the member is gone
        }
        line.complete(null);
      });
    }
    for (int i = 0; i < members; i++) {
      String l;
      try {
        l = ready.get(i).get(120, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        l = null;
      }
      if (l == null) {
        throw new IllegalStateException("member JVM " + (i + 1) + " at " + addresses.get(i)
            + " did not start within 120 s");
      }
      out.println("  " + l);
      out.flush();
    }
    return addresses;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private static String verdict(Style style, boolean met) {
    return met ? style.green("MET") : style.yellow("NOT MET");
  }
}
