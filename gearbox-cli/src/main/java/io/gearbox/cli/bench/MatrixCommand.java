package io.gearbox.cli.bench;

import io.gearbox.cli.Main;
import io.gearbox.cli.OutputFiles;
import io.gearbox.cli.Style;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code gearbox matrix}: the seed's decision matrix, measured on this machine. Each row runs a
 * short representative workload under each tool, every tool in a child JVM of its own (the
 * {@code gearbox bench} machinery), and prints the measured winner beside the seed's answer.
 * The {@code --json} format is in docs/matrix.md.
 *
 * <p>Four parts, in the order they act: {@link MatrixPlan} (the rows, their tools and sizes),
 * {@link MatrixRun} (runs a row: interleaved rounds until its verdicts are separated or its budget
 * ends, with the machine's load measured), {@link MatrixJudge} (the verdict and its certainty, the
 * row's JSON) and {@link MatrixRender} (the tables). This class checks the flags and wires them.
 */
@Command(
    name = "matrix",
    mixinStandardHelpOptions = true,
    header = "Measures the seed's decision matrix on this machine, row by row.",
    description = {
      "%nFor each row of the seed's \"Quick Decision Matrix\" (CPU-heavy, many I/O",
      "operations, simple script, high-scale server, shared state) a short workload",
      "runs under each tool: sequential, threads (Gearbox.threads(T), T = one per",
      "task), virtual (Gearbox.virtual()), cpu (Gearbox.cpu()), and processes and",
      "auto where this build has them; each tool in a JVM of its own, as in",
      "gearbox bench. It prints the winner, the runner-up, the speedups, the",
      "memory of a platform and a virtual thread, and where the JVM's answer",
      "differs from the seed's Python answer, and why. Fetches go to a server on",
      "127.0.0.1 that the command starts and stops. The tools' runs are interleaved and",
      "repeated until the runs separate the winner (a bootstrap interval of the ratio",
      "of medians) or the row's budget ends; a row the runs cannot decide says",
      "uncertain. A busy machine (other processes' CPU, steal) is reported, with the load average.",
      "Two to three minutes on 2 cores; under a minute with --quick.%n",
    })
public final class MatrixCommand implements Callable<Integer> {

  /** The value of the document's "schema" field. */
  static final String SCHEMA = "gearbox-matrix/2";

  @Spec CommandSpec spec;

  @ParentCommand Main parent;

  @Option(names = "--quick", description = "Tiny sizes, few runs: under a minute in all (the "
      + "tests use it). The numbers are not worth quoting.")
  boolean quick;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the rows as JSON.")
  Path json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Style style = parent != null ? parent.style() : Style.PLAIN;
    String unwritable = OutputFiles.check("--json", json);
    if (unwritable != null) {
      err.println("gearbox: " + unwritable);
      return 1;
    }
    MatrixPlan.Sizes sizes = quick ? MatrixPlan.QUICK : MatrixPlan.FULL;
    MatrixRender render = new MatrixRender(out, style);
    long start = System.nanoTime();
    MachineLoad wholeRun = MachineLoad.start();

    ObjectNode doc = Report.JSON.createObjectNode();
    doc.put("schema", SCHEMA);
    ArrayNode rowsJson = Report.JSON.createArrayNode();
    boolean failed = false;
    ObjectNode memoryJson;
    try (BenchServer server = BenchServer.start(0, 1256)) {
      double scale = Tasks.computeScaleFor(sizes.cpuPerTask());
      List<MatrixPlan.Row> rows = MatrixPlan.rows(sizes, scale, server.uri().toString());
      ObjectNode params = doc.putObject("params");
      params.put("quick", quick);
      params.put("warmup", sizes.warmup());
      params.put("warmup_at_least_s", sizes.warmupAtLeast().toMillis() / 1000.0);
      params.put("warmup_while_jit_busy_s", sizes.warmupWhileCompiling().toMillis() / 1000.0);
      params.put("runs", sizes.runs());
      params.put("max_runs", sizes.maxRuns());
      params.put("row_budget_s", sizes.rowBudget().toSeconds());
      params.put("confidence", Stats.CONFIDENCE);
      params.put("tie", MatrixJudge.TIE);
      params.put("cpu_scale", scale);
      ArrayNode flags = params.putArray("jvm_args");
      MatrixPlan.args(MatrixPlan.JVM_ARGS).forEach(flags::add);
      doc.putObject("machine"); // filled in at the end: its load average is the run's
      render.printHeader(sizes, quick, server.uri().toString());

      // plan every job first, so the progress display knows the total
      Map<MatrixPlan.Row, List<Job>> plans = new LinkedHashMap<>();
      Map<MatrixPlan.Row, ArrayNode> leftOut = new LinkedHashMap<>();
      int steps = 0;
      for (MatrixPlan.Row row : rows) {
        ArrayNode missing = Report.JSON.createArrayNode();
        List<Job> jobs = MatrixPlan.plan(row, sizes, missing);
        plans.put(row, jobs);
        leftOut.put(row, missing);
        steps += jobs.stream().mapToInt(Job::steps).sum();
      }
      List<Job> memoryJobs = MatrixPlan.memoryJobs(sizes.memoryTasks());
      steps += memoryJobs.stream().mapToInt(Job::steps).sum();
      Progress progress = Progress.on(err, steps);

      int number = 0;
      for (MatrixPlan.Row row : rows) {
        number++;
        MatrixRun.Measured measured = MatrixRun.row(row, plans.get(row), sizes, progress);
        ObjectNode rowJson = MatrixJudge.rowDocument(row, measured.results(), leftOut.get(row),
            measured.during());
        failed |= render.printRow(number, row, rowJson);
        rowsJson.add(rowJson);
      }
      doc.set("rows", rowsJson);

      List<StrategyResult> memory = MatrixRun.memory(memoryJobs, sizes, progress);
      memoryJson = MatrixJudge.memoryDocument(sizes.memoryTasks(), memory);
      doc.set("memory", memoryJson);
      failed |= render.printMemory(memoryJson);
    } catch (IOException e) {
      err.println("gearbox: matrix: could not start the local latency server: " + e.getMessage());
      return 1;
    }
    MachineLoad.Summary during = wholeRun.stop();
    render.printSummary(rowsJson, memoryJson, during);
    doc.set("machine", Report.machine());
    doc.set("machine_during", during.toJson());
    doc.put("finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    doc.put("seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
    out.println(style.dim(String.format(Locale.ROOT, "done in %.1f s", (System.nanoTime() - start) / 1e9)));
    if (json != null) {
      try {
        WorkloadBench.write(json,
            Report.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
        out.println("JSON written to " + json);
      } catch (IOException e) {
        err.println("gearbox: could not write --json " + json + ": " + OutputFiles.reason(e));
        failed = true;
      }
    }
    out.flush();
    err.flush();
    return failed ? 1 : 0;
  }
}
