package io.gearbox.cli.bench;

import io.gearbox.cli.OutputFiles;
import io.gearbox.cli.Style;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What every {@code gearbox bench <workload>} does: check the flags, plan one job per strategy,
 * run each in child JVMs, then print the table and write {@code --json}/{@code --html}.
 *
 * <p>Exit codes: 0 when every task of every run succeeded; 1 when a strategy failed or a task
 * did (the table and files are still written), or the workload could not start (one line on
 * stderr); 2 for bad arguments (usage on stderr).
 */
abstract class WorkloadBench implements Callable<Integer> {

  /**
   * How long each strategy's JVM may go on warming up, after its --warmup runs, while its JIT
   * compilers are still busy ({@link Harness#warmUpWhileCompiling}).
   */
  static final java.time.Duration WARM_UP_WHILE_COMPILING = java.time.Duration.ofSeconds(60);

  @Spec CommandSpec spec;

  @Mixin BenchOptions options;

  @ParentCommand BenchCommand bench;

  /** The workload's name in reports: io, cpu, overhead, memory. */
  abstract String workload();

  /** Strategy names this workload can run here, in table order. */
  abstract List<String> strategies();

  /** The strategies run when --strategies names none; by default all of them. */
  List<String> defaultStrategies() {
    return strategies();
  }

  /** Child JVM flags unless {@code --jvm-args} says otherwise. */
  String defaultJvmArgs() {
    return "-XX:+UseSerialGC -Xmx256m";
  }

  int defaultWarmup() {
    return 2;
  }

  int defaultRuns() {
    return 5;
  }

  /** Checks the workload's own flags; throws {@link ParameterException} (exit 2). */
  abstract void validate();

  /** The workload's parameters, as recorded in the document (runs, warmup, jvm_args added). */
  abstract ObjectNode params();

  /** One job per chosen strategy (and variant). */
  abstract List<Job> jobs(List<String> chosen, int warmup, int runs);

  /**
   * Gets the workload ready (a server, a preflight check) before any child starts.
   *
   * @return something to close afterwards, or null
   * @throws Unavailable with a one-line message when the workload cannot run (exit 1)
   */
  AutoCloseable prepare() throws Unavailable {
    return null;
  }

  /** Records in the document's params what only {@link #prepare()} knows; by default nothing. */
  void prepared(ObjectNode params) {}

  /** Fills in what only {@link #prepare()} knows (a server's URL); by default nothing. */
  List<Job> resolve(List<Job> jobs) {
    return jobs;
  }

  private List<Job> withPoolOptions(List<Job> jobs) {
    if (!options.noSubmitSite && !options.noCpuTime) {
      return jobs;
    }
    java.util.Map<String, String> extra = java.util.Map.of(
        "submit_site", String.valueOf(!options.noSubmitSite),
        "cpu_time", String.valueOf(!options.noCpuTime));
    return jobs.stream().map(j -> j.withParams(extra)).toList();
  }

  /** A reason to stop before measuring, printed as one line. */
  static final class Unavailable extends Exception {
    Unavailable(String message) {
      super(message, null, false, false);
    }
  }

  /** Notes printed before the runs (for example, a strategy left out). */
  final List<String> notes = new ArrayList<>();

  @Override
  public final Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    int runs = options.runs != null ? options.runs : defaultRuns();
    int warmup = options.warmup != null ? options.warmup : defaultWarmup();
    limit("--runs", runs, Limits.MAX_RUNS);
    int budget = options.budget != null ? options.budget : 0;
    Limits.check(spec.commandLine(), "--budget", budget, 0, Limits.MAX_BUDGET_SECONDS);
    Limits.check(spec.commandLine(), "--warmup", warmup, 0, Limits.MAX_RUNS);
    validate();
    List<String> chosen = chosenStrategies();
    List<String> jvmArgs = jvmArgs();
    List<Job> jobs = jobs(chosen, warmup, runs);
    if (jobs.isEmpty()) {
      throw usage("nothing to run: no strategy of " + chosen + " applies to " + workload());
    }
    String unwritable = OutputFiles.check("--json", options.json, "--html", options.html);
    if (unwritable != null) {
      err.println("gearbox: " + unwritable);
      return 1;
    }
    ObjectNode params = params();
    params.put("runs", runs);
    params.put("warmup", jobs.getFirst().forkPerRun() ? 0 : warmup);
    params.put("warmup_while_jit_busy_s",
        jobs.getFirst().forkPerRun() || warmup == 0 ? 0 : WARM_UP_WHILE_COMPILING.toSeconds());
    params.put("budget_s", jobs.getFirst().forkPerRun() ? 0 : budget);
    ArrayNode flags = params.putArray("jvm_args");
    jvmArgs.forEach(flags::add);
    ObjectNode poolOptions = params.putObject("pool_options");
    poolOptions.put("capture_submit_site", !options.noSubmitSite);
    poolOptions.put("measure_cpu_time", !options.noCpuTime);
    ArrayNode strategies = params.putArray("strategies");
    chosen.forEach(strategies::add);

    Style style = bench != null ? bench.style() : Style.PLAIN;
    List<StrategyResult> results = new ArrayList<>();
    MachineLoad load = MachineLoad.start();
    try (AutoCloseable ignored = prepare()) {
      prepared(params);
      for (String note : notes) {
        err.println(style.dim("note: " + note));
      }
      err.flush();
      Progress progress = Progress.on(err, jobs.stream().mapToInt(Job::steps).sum());
      Harness harness = new Harness(workload(), jvmArgs, progress)
          .warmUpWhileCompiling(WARM_UP_WHILE_COMPILING);
      List<Job> resolved = withPoolOptions(resolve(jobs));
      if (resolved.getFirst().forkPerRun()) {
        for (Job job : resolved) {
          results.add(harness.run(job)); // a fresh JVM per run: nothing stays alive to interleave
        }
      } else {
        // one live JVM per strategy, their runs interleaved, so drift hits every strategy alike
        results.addAll(harness.interleave(resolved, budget == 0 ? Harness.Rounds.exactly(runs)
            : new Harness.Rounds(runs, Limits.MAX_RUNS, java.time.Duration.ofSeconds(budget),
                this::uncertain)));
      }
      progress.finish();
    } catch (Unavailable e) {
      err.println("gearbox: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      err.println("gearbox: bench " + workload() + ": " + io.gearbox.cli.Main.describe(e));
      return 1;
    }
    ObjectNode doc = Report.document(workload(), params, results);
    doc.set("machine_during", load.stop().toJson());
    Report.print(doc, out, style);
    int code = 0;
    try {
      if (options.json != null) {
        write(options.json, Report.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
        out.println("JSON written to " + options.json);
      }
      if (options.html != null) {
        write(options.html, HtmlReport.render(List.of(doc)));
        out.println("HTML written to " + options.html);
      }
    } catch (IOException e) {
      err.println("gearbox: could not write " + OutputFiles.reason(e));
      code = 1;
    }
    for (StrategyResult r : results) {
      String label = r.job().variant().equals(r.job().strategy()) || jobs.stream()
          .map(Job::variant).distinct().count() == 1
          ? r.job().strategy() : r.job().variant() + "/" + r.job().strategy();
      if (r.error() != null) {
        err.println("gearbox: bench " + workload() + ": " + label + " failed: " + r.error());
        code = 1;
      } else {
        for (Sample s : r.samples()) {
          if (s.ok() < s.tasks()) {
            err.println("gearbox: bench " + workload() + ": " + label + ": " + (s.tasks() - s.ok())
                + " of " + s.tasks() + " tasks failed in a run"
                + (s.error() != null ? " (first: " + s.error() + ")" : ""));
            code = 1;
            break;
          }
        }
      }
    }
    out.flush();
    err.flush();
    return code;
  }

  /** The jobs whose speedup the runs so far leave uncertain, with their variant's baseline. */
  private Set<Job> uncertain(List<StrategyResult> results) {
    ArrayNode rows = Report.results(workload(), results);
    Set<Job> more = new LinkedHashSet<>();
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).path("speedup_separation").asString().equals("uncertain")) {
        Job job = results.get(i).job();
        String baseline = rows.get(i).path("baseline").asString();
        more.add(job);
        for (StrategyResult r : results) {
          if (r.job().variant().equals(job.variant()) && r.job().strategy().equals(baseline)) {
            more.add(r.job());
          }
        }
      }
    }
    return more;
  }

  static void write(Path file, String text) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, text);
  }

  private List<String> chosenStrategies() {
    List<String> available = strategies();
    if (options.strategies == null || options.strategies.isEmpty()) {
      return defaultStrategies();
    }
    Set<String> chosen = new LinkedHashSet<>();
    for (String s : options.strategies) {
      String name = s.strip().toLowerCase(Locale.ROOT);
      if (name.isEmpty()) {
        continue;
      }
      if (!available.contains(name)) {
        throw usage("unknown strategy '" + s.strip() + "' for " + workload() + "; choose from "
            + String.join(", ", available));
      }
      chosen.add(name);
    }
    if (chosen.isEmpty()) {
      throw usage("--strategies names none");
    }
    // table order, whatever the order on the command line
    return available.stream().filter(chosen::contains).toList();
  }

  /** Whether the user named this strategy in --strategies. */
  boolean explicitlyChosen(String strategy) {
    return options.strategies != null && options.strategies.stream()
        .anyMatch(s -> s.strip().equalsIgnoreCase(strategy));
  }

  private List<String> jvmArgs() {
    String text = options.jvmArgs != null ? options.jvmArgs : defaultJvmArgs();
    return Arrays.stream(text.strip().split("\\s+")).filter(s -> !s.isEmpty()).toList();
  }

  /** Throws a usage error unless {@code 1 <= value <= max} (see {@link Limits}). */
  void limit(String flag, long value, long max) {
    Limits.check(spec.commandLine(), flag, value, max);
  }

  ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /**
   * The strategies beyond the fixed thread pools that this workload runs ("processes", "auto"),
   * in report order. Each is listed here once the bench child can run it.
   */
  static List<String> optionalPoolStrategies() {
    return List.of("auto");
  }

  /** A list built from parts, for strategies(). */
  static List<String> concat(List<String> first, List<String> then, String... last) {
    List<String> all = new ArrayList<>(first);
    all.addAll(then);
    all.addAll(List.of(last));
    return List.copyOf(all);
  }
}
