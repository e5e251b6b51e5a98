package io.gearbox.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ObjectNode;

/** {@code gearbox bench memory}: what N waiting tasks cost in resident memory. */
@Command(
    name = "memory",
    mixinStandardHelpOptions = true,
    header = "Holds N sleeping tasks at once and measures the JVM's resident memory.",
    description = {
      "%nThe seed says a thread costs about 8 KB. Each run starts a fresh JVM, reads its RSS,",
      "starts N tasks that each sleep (park on a latch) until all N have started, reads the",
      "RSS again, and lets them finish: 'per task' is the difference divided by N.",
      "  threads  Gearbox.threads(N): N platform threads  vs Executors.newFixedThreadPool(N)",
      "  virtual  Gearbox.virtual(): N virtual threads    vs newVirtualThreadPerTaskExecutor()%n",
    })
final class MemoryBench extends WorkloadBench {

  @Option(names = "--tasks", paramLabel = "N", defaultValue = "10000",
      description = "Tasks sleeping at once (default: ${DEFAULT-VALUE}).")
  int tasks;

  @Override
  String workload() {
    return "memory";
  }

  @Override
  List<String> strategies() {
    return List.of("threads", "virtual", "jdk");
  }

  @Override
  String defaultJvmArgs() {
    return "-XX:+UseSerialGC -Xmx1g";
  }

  @Override
  int defaultWarmup() {
    return 0;
  }

  @Override
  int defaultRuns() {
    return 3;
  }

  @Override
  void validate() {
    limit("--tasks", tasks, Limits.MAX_CONCURRENT_TASKS);
  }

  @Override
  ObjectNode params() {
    ObjectNode p = Report.JSON.createObjectNode();
    p.put("tasks", tasks);
    p.put("task", "count down 'started', then park on a latch until all N have started");
    p.put("fresh_jvm_per_run", true);
    return p;
  }

  @Override
  List<Job> jobs(List<String> chosen, int warmup, int runs) {
    List<String> kinds = chosen.stream().filter(s -> !s.equals("jdk")).toList();
    if (kinds.isEmpty()) {
      kinds = List.of("threads", "virtual");
    }
    List<Job> jobs = new ArrayList<>();
    for (String kind : kinds) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("tasks", String.valueOf(tasks));
      params.put("threads", String.valueOf(tasks));
      if (chosen.contains(kind)) {
        jobs.add(new Job(kind, kind, params, 0, runs, true));
      }
      if (chosen.contains("jdk")) {
        jobs.add(new Job(kind, "jdk", params, 0, runs, true));
      }
    }
    return jobs;
  }
}
