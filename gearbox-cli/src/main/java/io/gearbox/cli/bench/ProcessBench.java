package io.gearbox.cli.bench;

import io.gearbox.Gearbox;
import io.gearbox.ProcessPool;
import io.gearbox.ProcessPoolBuilder;
import io.gearbox.cli.Style;
import io.gearbox.cli.Table;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code gearbox bench processes}: what a worker JVM costs. Spawn time against {@code java
 * -version} run alternately on the same machine, the round trip of one tiny task, and map over many
 * tiny items (batched). Runs in this JVM: the pool's workers are the separate processes measured.
 */
@Command(
    name = "processes",
    mixinStandardHelpOptions = true,
    header = "Measures the process pool: worker spawn, tiny-task round trip, batched map.",
    description = {
      "%nspawn       a 1-worker pool from build() to its first result, and the worker's own",
      "            start-to-handshake time with the workers' AOT cache (the default; recorded by a",
      "            warm-up pool if there is none yet), without it, and with a lean class path (Gearbox's",
      "            and this CLI's jar only, ProcessPoolBuilder.classPath), alternating with `java -version`",
      "round trip  invoke(() -> i) in a loop on a warm pool: the per-task floor (the caller drives",
      "            its own round trip); and submit(() -> i).join(): the joiner runs the round trip",
      "            itself if it finds the task still queued, else the driver the submit woke does",
      "map         pool.map(x -> x + 1, N integers) on a warm pool: items per second",
      "Goals (issue 4): spawn <= 1.5x java -version; round trip <= 60 us (issue 12); map >= 1,000,000/s.%n",
    })
final class ProcessBench implements Callable<Integer> {

  @Spec CommandSpec spec;

  @ParentCommand BenchCommand bench;

  @Option(names = "--spawns", paramLabel = "N", defaultValue = "5",
      description = "Spawn measurements (default: ${DEFAULT-VALUE}).")
  int spawns;

  @Option(names = "--round-trips", paramLabel = "N", defaultValue = "5000",
      description = "Tiny tasks per round-trip run (default: ${DEFAULT-VALUE}).")
  int roundTrips;

  @Option(names = "--items", paramLabel = "N", defaultValue = "100000",
      description = "Items per map run (default: ${DEFAULT-VALUE}).")
  int items;

  @Option(names = "--workers", paramLabel = "W",
      description = "Workers of the warm pool (default: the available processors).")
  Integer workers;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "5",
      description = "Measured runs of round trip and map, after as many warm-up runs (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
  Path json;

  @Override
  public Integer call() throws Exception {
    if (spawns < 1 || roundTrips < 1 || items < 1 || runs < 1 || (workers != null && workers < 1)) {
      throw new ParameterException(spec.commandLine(),
          "--spawns, --round-trips, --items, --runs and --workers must be at least 1");
    }
    Limits.check(spec.commandLine(), "--spawns", spawns, Limits.MAX_SPAWNS);
    Limits.check(spec.commandLine(), "--round-trips", roundTrips, Limits.MAX_TASKS);
    Limits.check(spec.commandLine(), "--items", items, Limits.MAX_TASKS);
    Limits.check(spec.commandLine(), "--runs", runs, Limits.MAX_RUNS);
    if (workers != null) {
      Limits.check(spec.commandLine(), "--workers", workers, Limits.MAX_WORKERS);
    }
    String unwritable = io.gearbox.cli.OutputFiles.check("--json", json);
    if (unwritable != null) {
      spec.commandLine().getErr().println("gearbox: " + unwritable);
      return 1;
    }
    PrintWriter out = spec.commandLine().getOut();
    Style style = bench != null ? bench.style() : Style.PLAIN;
    int w = workers != null ? workers : Runtime.getRuntime().availableProcessors();

    // A warm-up pool: it records the workers' AOT cache if there is none yet (the pool's default
    // wherever the JVM can record one), in a worker JVM of its own that its close waits for.
    long w0 = System.nanoTime();
    try (ProcessPool warmUp = quietPool(1, false)) {
      for (int i = 0; i < 100; i++) {
        warmUp.invoke(new Tasks.Tiny(i));
      }
      warmUp.map((Integer x) -> x + 1, List.of(1, 2, 3)).toList();
    }
    out.printf(Locale.ROOT, "  warm-up pool (records the AOT cache if there is none): %.1f s%n",
        (System.nanoTime() - w0) / 1e9);
    boolean aotAvailable = !"false".equalsIgnoreCase(System.getProperty("gearbox.aotCache", "true"));

    long[] javaVersion = new long[spawns];
    long[] firstResult = new long[spawns];
    long[] handshake = new long[spawns];
    long[] aotHandshake = new long[spawns];
    long[] leanHandshake = new long[spawns];
    List<Path> lean = leanClassPath();
    try {
      for (int i = 0; i < spawns; i++) {
        javaVersion[i] = javaVersionNanos();
        long t0 = System.nanoTime();
        try (ProcessPool pool = quietPool(1, false)) {
          pool.invoke(new Tasks.Tiny(i));
          firstResult[i] = System.nanoTime() - t0;
          aotHandshake[i] = pool.processStats().meanSpawnNanos();
        }
        try (ProcessPool pool = quietPool(1, true)) {
          pool.invoke(new Tasks.Tiny(i));
          handshake[i] = pool.processStats().meanSpawnNanos();
        }
        if (lean != null) {
          try (ProcessPool pool = Gearbox.processBuilder().workers(1).replayOutput(false)
              .classPath(lean.toArray(Path[]::new)).build()) {
            pool.invoke(new Tasks.Tiny(i));
            leanHandshake[i] = pool.processStats().meanSpawnNanos();
          }
        }
        out.printf(Locale.ROOT, "  spawn %d/%d: java -version %.0f ms, worker handshake %.0f ms"
                + " (%.0f ms without the AOT cache%s), first result %.0f ms%n", i + 1, spawns,
            javaVersion[i] / 1e6, aotHandshake[i] / 1e6, handshake[i] / 1e6,
            lean == null ? "" : String.format(Locale.ROOT, ", %.0f ms with a lean class path", leanHandshake[i] / 1e6),
            firstResult[i] / 1e6);
        out.flush();
      }
    } finally {
      // nothing to clean up: the cache stays for later pools
    }

    double[] rtMicros = new double[runs];
    double[] rtInvokeMicros = new double[runs];
    double[] mapRate = new double[runs];
    List<Integer> inputs = IntStream.range(0, items).boxed().toList();
    try (ProcessPool pool = quietPool(w, false)) {
      for (int phase = 0; phase < 2; phase++) { // warm-up, then measured
        for (int r = 0; r < runs; r++) {
          long ti = System.nanoTime();
          for (int i = 0; i < roundTrips; i++) {
            pool.invoke(new Tasks.Tiny(i));
          }
          double invokeUs = (System.nanoTime() - ti) / 1e3 / roundTrips;
          long t0 = System.nanoTime();
          for (int i = 0; i < roundTrips; i++) {
            pool.submit(new Tasks.Tiny(i)).join();
          }
          double us = (System.nanoTime() - t0) / 1e3 / roundTrips;
          long t1 = System.nanoTime();
          long sum = pool.map((Integer x) -> x + 1, inputs).mapToLong(Integer::longValue).sum();
          double secs = (System.nanoTime() - t1) / 1e9;
          if (sum != (long) items * (items + 1) / 2) {
            throw new IllegalStateException("map returned a wrong sum: " + sum);
          }
          if (phase == 1) {
            rtMicros[r] = us;
            rtInvokeMicros[r] = invokeUs;
            mapRate[r] = items / secs;
          }
        }
      }
    }

    double jv = median(javaVersion) / 1e6;
    double hs = median(handshake) / 1e6;
    double fr = median(firstResult) / 1e6;
    double rt = Report.median(rtMicros);
    double rtInvoke = Report.median(rtInvokeMicros);
    double rate = Report.median(mapRate);
    Table table = new Table().left("measure").right("median").right("goal").left("");
    table.row("java -version", fmt(jv) + " ms", "", "");
    double aotHs = median(aotHandshake) / 1e6;
    table.row(aotAvailable ? "worker start to handshake" : "worker start to handshake (-Dgearbox.aotCache=false)",
        fmt(aotHs) + " ms", "<= " + fmt(1.5 * jv) + " ms", verdict(style, aotHs <= 1.5 * jv, aotHs / jv));
    table.row("  without the AOT cache", fmt(hs) + " ms", "",
        String.format(Locale.ROOT, "%.2fx java -version", hs / jv));
    double leanHs = lean == null ? -1 : median(leanHandshake) / 1e6;
    table.row("  with a lean class path (2 jars)", lean == null ? "n/a" : fmt(leanHs) + " ms", "",
        lean == null ? "Gearbox or the CLI not in a jar"
            : String.format(Locale.ROOT, "%.2fx java -version", leanHs / jv));
    table.row("pool build to first result", fmt(fr) + " ms", "", String.format(Locale.ROOT, "%.2fx java -version", fr / jv));
    table.row("tiny task round trip (invoke)", String.format(Locale.ROOT, "%.1f us", rtInvoke), "<= 60 us",
        verdict(style, rtInvoke <= 60, -1));
    table.row("  submit(..).join()", String.format(Locale.ROOT, "%.1f us", rt), "<= 60 us", verdict(style, rt <= 60, -1));
    table.row("map, " + items + " tiny items", String.format(Locale.ROOT, "%,.0f /s", rate), ">= 1,000,000 /s",
        verdict(style, rate >= 1_000_000, -1));
    out.println();
    out.println(style.bold("gearbox bench processes") + String.format(Locale.ROOT,
        " (%d spawns; %d runs of %d round trips and of a %d-item map on %d workers)",
        spawns, runs, roundTrips, items, w));
    table.print(out, style);
    out.flush();

    if (json != null) {
      ObjectNode doc = Report.JSON.createObjectNode();
      doc.put("workload", "processes");
      doc.put("workers", w);
      doc.put("java_version_ms", jv);
      doc.put("handshake_ms", aotHs);
      doc.put("aot_cache", aotAvailable);
      doc.put("no_aot_cache_handshake_ms", hs);
      if (lean != null) {
        doc.put("lean_class_path_handshake_ms", leanHs);
      } else {
        doc.putNull("lean_class_path_handshake_ms");
      }
      doc.put("first_result_ms", fr);
      doc.put("round_trip_us", rt);
      doc.put("round_trip_invoke_us", rtInvoke);
      doc.put("map_items_per_s", rate);
      doc.putPOJO("round_trip_us_runs", rtMicros);
      doc.putPOJO("round_trip_invoke_us_runs", rtInvokeMicros);
      doc.putPOJO("map_items_per_s_runs", mapRate);
      try {
        Files.writeString(json, Report.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
      } catch (IOException e) {
        spec.commandLine().getErr().println("gearbox: cannot write --json " + json + ": "
            + io.gearbox.cli.OutputFiles.reason(e));
        return 1;
      }
    }
    return 0;
  }

  private static String verdict(Style style, boolean met, double ratio) {
    String r = ratio > 0 ? String.format(Locale.ROOT, " (%.2fx)", ratio) : "";
    return met ? style.green("MET" + r) : style.yellow("NOT MET" + r);
  }

  private static String fmt(double ms) {
    return String.format(Locale.ROOT, "%.0f", ms);
  }

  /** Wall time of {@code java -version} with this JVM's java. */
  static long javaVersionNanos() throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor();
      throw new IllegalStateException("java -version did not finish within 60 s");
    }
    return System.nanoTime() - t0;
  }

  private static double median(long[] values) {
    return Report.median(Arrays.stream(values).asDoubleStream().toArray());
  }

  /**
   * Gearbox's jar and this CLI's, the class path a worker running the bench's tasks needs, or null
   * when either is not a jar (a build's class directories).
   */
  private static List<Path> leanClassPath() {
    try {
      List<Path> jars = List.of(
          Path.of(Gearbox.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
          Path.of(ProcessBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
      return jars.stream().allMatch(p -> Files.isRegularFile(p) && p.toString().endsWith(".jar")) ? jars : null;
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * A pool of n workers whose output is not echoed, with the workers' default AOT cache or without
   * it ({@code -Xshare:auto}, the JVM's own default: its built-in class-data archive, no AOT cache).
   */
  private static ProcessPool quietPool(int workers, boolean withoutAotCache) {
    ProcessPoolBuilder b = Gearbox.processBuilder().workers(workers).replayOutput(false);
    return (withoutAotCache ? b.jvmOptions("-Xshare:auto") : b).build();
  }
}
