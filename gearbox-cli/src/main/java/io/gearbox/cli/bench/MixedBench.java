package io.gearbox.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code gearbox bench mixed}: CPU-bound and I/O-bound tasks interleaved, all through one pool per
 * strategy: the work a fixed pool fits badly and the auto pool is for.
 */
@Command(
    name = "mixed",
    mixinStandardHelpOptions = true,
    header = "Runs CPU-bound and I/O-bound tasks interleaved through one pool.",
    description = {
      "%nN tasks alternate: compute_heavy(1), calibrated to --cpu-ms of CPU, then a",
      "fetch of a server on 127.0.0.1 (in this JVM) answering after --latency-ms,",
      "and so on, all submitted at once to one pool per strategy: sequential,",
      "threads (Gearbox.threads(T)), virtual (Gearbox.virtual()), cpu",
      "(Gearbox.cpu()), auto where that pool exists, and jdk: the hybrid written",
      "by hand, fetches on Executors.newVirtualThreadPerTaskExecutor() and",
      "computation on Executors.newFixedThreadPool(cores).",
      "%nEach fixed pool loses in its own way: on cpu the fetches hold its few",
      "threads while they wait; on virtual the computations hold the carrier",
      "threads the fetches need to go on; threads runs all on T platform threads.%n",
    })
final class MixedBench extends WorkloadBench {

  @Option(names = "--tasks", paramLabel = "N", defaultValue = "100",
      description = "Tasks per run, half computing and half fetching (default: ${DEFAULT-VALUE}).")
  int tasks;

  @Option(names = "--cpu-ms", paramLabel = "MS", defaultValue = "10",
      description = "CPU time of one computing task, calibrated here before the runs "
          + "(default: ${DEFAULT-VALUE}).")
  double cpuMs;

  @Option(names = "--latency-ms", paramLabel = "MS", defaultValue = "20",
      description = "How long the local server takes to answer a fetch (default: ${DEFAULT-VALUE}).")
  long latencyMs;

  @Option(names = "--threads", paramLabel = "T",
      description = "Threads of the threads strategy (default: one per task, at most 1000).")
  Integer threads;

  private double scale;
  private String url;

  @Override
  String workload() {
    return "mixed";
  }

  @Override
  List<String> strategies() {
    return concat(List.of("sequential", "threads", "virtual", "cpu"), optionalPoolStrategies(), "jdk");
  }

  @Override
  void validate() {
    limit("--tasks", tasks, Limits.MAX_CONCURRENT_TASKS);
    if (!(cpuMs > 0) || cpuMs > 60_000) {
      throw usage("--cpu-ms must be above 0 and at most 60000, was " + cpuMs);
    }
    if (latencyMs < 0 || latencyMs > IoBench.MAX_LATENCY_MS) {
      throw usage("--latency-ms must be 0 to " + IoBench.MAX_LATENCY_MS + ", was " + latencyMs);
    }
    if (threads != null) {
      limit("--threads", threads, Limits.MAX_THREADS);
    }
  }

  private int threadCount() {
    return threads != null ? threads : Math.min(tasks, 1000);
  }

  @Override
  ObjectNode params() {
    ObjectNode p = Report.JSON.createObjectNode();
    p.put("tasks", tasks);
    p.put("cpu_tasks", (tasks + 1) / 2);
    p.put("io_tasks", tasks / 2);
    p.put("cpu_ms", cpuMs);
    p.put("latency_ms", latencyMs);
    p.put("server", "gearbox bench's own, on 127.0.0.1 in the parent JVM");
    p.put("client", Tasks.Client.URLCONNECTION.label());
    p.put("threads", threadCount());
    p.put("jdk", "by hand: fetches on Executors.newVirtualThreadPerTaskExecutor(), computation on "
        + "Executors.newFixedThreadPool(" + Runtime.getRuntime().availableProcessors() + ")");
    return p;
  }

  @Override
  List<Job> jobs(List<String> chosen, int warmup, int runs) {
    List<Job> jobs = new ArrayList<>();
    for (String strategy : chosen) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("tasks", String.valueOf(tasks));
      params.put("threads", String.valueOf(threadCount()));
      params.put("client", Tasks.Client.URLCONNECTION.label());
      jobs.add(new Job("mixed", strategy, params, warmup, runs, false));
    }
    return jobs;
  }

  @Override
  AutoCloseable prepare() throws Unavailable {
    scale = Tasks.computeScaleFor(Duration.ofNanos((long) (cpuMs * 1e6)));
    try {
      BenchServer server = BenchServer.start(latencyMs, 1256);
      url = server.uri().toString();
      return server;
    } catch (java.io.IOException e) {
      throw new Unavailable("could not start the local latency server: " + e.getMessage());
    }
  }

  /** The URL and the calibrated scale are known only once prepared. */
  @Override
  List<Job> resolve(List<Job> jobs) {
    return jobs.stream()
        .map(j -> j.withParams(Map.of("url", url, "scale", String.valueOf(scale)))).toList();
  }

  @Override
  void prepared(ObjectNode params) {
    params.put("cpu_scale", scale);
  }
}
