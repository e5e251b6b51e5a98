package io.gearbox.cli.bench;

import io.gearbox.cli.Main;
import io.gearbox.cli.Style;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gearbox bench}: the seed's claims measured on this machine, each strategy in its own JVM.
 * See docs/benchmarks.md for results and docs/bench-json.md for the {@code --json} format.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    header = "Benchmarks the pools against each other and against plain JDK executors.",
    description = {
      "%nEach strategy runs in a JVM of its own (warm-up runs first), so its peak RSS and CPU",
      "time are its own. Strategies: sequential, threads, virtual, cpu, jdk (the same work on",
      "a plain JDK executor, written by hand), and processes and auto where those pools exist.",
      "Workloads: io (waiting), cpu (computing), mixed (both, interleaved in one pool),",
      "overhead (tiny tasks) and memory (tasks parked at once); report redraws saved results.",
      "gearbox matrix runs the seed's decision matrix on top of these.%n",
    },
    subcommands = {
      IoBench.class,
      CpuBench.class,
      MixedBench.class,
      OverheadBench.class,
      MemoryBench.class,
      ReportBench.class,
      ProcessBench.class,
      ClusterBench.class,
      ServeBench.class,
    })
public final class BenchCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @ParentCommand private Main parent;

  /** Styling of the terminal output: the gearbox command's, or plain when run on its own. */
  Style style() {
    return parent != null ? parent.style() : Style.PLAIN;
  }

  /** {@code gearbox bench} alone: a workload is required. */
  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "Missing required subcommand: io, cpu, mixed, overhead, memory, processes, cluster, serve"
            + " or report");
  }
}
