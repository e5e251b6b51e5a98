package io.gearbox.cli.bench;

import io.gearbox.Gearbox;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ObjectNode;

/** {@code gearbox bench overhead}: what a pool costs per task, against the raw JDK executor. */
@Command(
    name = "overhead",
    mixinStandardHelpOptions = true,
    header = "Submits N tiny tasks, then waits for them: the cost of a pool per task.",
    description = {
      "%nEach pool against the raw JDK executor of the same kind:",
      "  threads  Gearbox.threads(T)   vs Executors.newFixedThreadPool(T)",
      "  virtual  Gearbox.virtual()    vs Executors.newVirtualThreadPerTaskExecutor()",
      "  cpu      Gearbox.cpu()        vs Executors.newFixedThreadPool(cores)",
      "Pools are built with their defaults and maxInFlight = N. 'speedup' is the JDK's time",
      "divided by the pool's: 0.83x means the pool costs 1.2x the JDK per task.%n",
    })
final class OverheadBench extends WorkloadBench {

  @Option(names = "--tasks", paramLabel = "N", defaultValue = "100000",
      description = "Tiny tasks per run (default: ${DEFAULT-VALUE}).")
  int tasks;

  @Option(names = "--threads", paramLabel = "T",
      description = "Threads of the threads pools (default: Gearbox.DEFAULT_THREADS, 8).")
  Integer threads;

  @Override
  String workload() {
    return "overhead";
  }

  @Override
  List<String> strategies() {
    // Each pool is paired with the JDK executor of its kind; auto has none, so it is left out.
    return concat(List.of("threads", "virtual", "cpu"),
        optionalPoolStrategies().stream().filter(s -> !s.equals("auto")).toList(), "jdk");
  }

  @Override
  String defaultJvmArgs() {
    return "-XX:+UseSerialGC -Xmx512m";
  }

  @Override
  void validate() {
    limit("--tasks", tasks, Limits.MAX_TASKS);
    if (threads != null) {
      limit("--threads", threads, Limits.MAX_THREADS);
    }
  }

  private int threadCount() {
    return threads != null ? threads : Gearbox.DEFAULT_THREADS;
  }

  @Override
  ObjectNode params() {
    ObjectNode p = Report.JSON.createObjectNode();
    p.put("tasks", tasks);
    p.put("threads", threadCount());
    p.put("cores", Runtime.getRuntime().availableProcessors());
    return p;
  }

  @Override
  List<Job> jobs(List<String> chosen, int warmup, int runs) {
    List<String> kinds = chosen.stream().filter(s -> !s.equals("jdk")).toList();
    boolean jdk = chosen.contains("jdk");
    if (kinds.isEmpty()) {
      kinds = List.of("threads", "virtual", "cpu"); // --strategies jdk: the JDK executors alone
    }
    List<Job> jobs = new ArrayList<>();
    for (String kind : kinds) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("tasks", String.valueOf(tasks));
      params.put("threads", String.valueOf(threadCount()));
      if (chosen.contains(kind)) {
        jobs.add(new Job(kind, kind, params, warmup, runs, false));
      }
      if (jdk && List.of("threads", "virtual", "cpu").contains(kind)) {
        jobs.add(new Job(kind, "jdk", params, warmup, runs, false));
      }
    }
    return jobs;
  }
}
