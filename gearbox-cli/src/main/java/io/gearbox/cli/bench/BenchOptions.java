package io.gearbox.cli.bench;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The flags every workload takes. */
final class BenchOptions {

  @Option(names = "--strategies", split = ",", paramLabel = "NAME",
      description = "Strategies to run, comma-separated (default: all the workload has).")
  List<String> strategies;

  @Option(names = "--runs", paramLabel = "R",
      description = "Measured runs per strategy, after warm-up (default: 5; 3 for memory).")
  Integer runs;

  @Option(names = "--warmup", paramLabel = "W",
      description = "Warm-up runs per strategy, not measured (default: 2 for io and overhead, "
          + "1 for cpu; memory runs each run in a fresh JVM and has none). After them a JVM "
          + "warms up more while its JIT compiler is busy (until two runs in a row compiled for "
          + "at most 10%% of their time), for up to 60 s; "
          + "0: none at all, cold runs.")
  Integer warmup;

  @Option(names = "--budget", paramLabel = "S",
      description = "After the --runs rounds, keep running the strategies whose speedup is still "
          + "uncertain (and their baseline), interleaved, for up to S seconds more (default: 0, "
          + "exactly --runs runs).")
  Integer budget;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the results as JSON.")
  Path json;

  @Option(names = "--html", paramLabel = "FILE",
      description = "Write a self-contained HTML page with a chart per workload.")
  Path html;

  @Option(names = "--jvm-args", paramLabel = "FLAGS",
      description = "Flags for each strategy's JVM, space-separated (default: the workload's, "
          + "shown under the table; \"\" for the JVM's own defaults).")
  String jvmArgs;

  @Option(names = "--no-submit-site",
      description = "Build Gearbox pools with captureSubmitSite(false) (default: the pools' "
          + "defaults: off, unless the JVM runs with -ea or -Dgearbox.submitSites=true, which "
          + "--jvm-args can pass).")
  boolean noSubmitSite;

  @Option(names = "--no-cpu-time",
      description = "Build Gearbox pools with measureCpuTime(false) (default: the pools' "
          + "defaults, which read the thread CPU clock around each task, sampling runs of tiny "
          + "tasks).")
  boolean noCpuTime;
}
