package io.gearbox.cli.bench;

import io.gearbox.cli.Durations;
import io.gearbox.cli.Style;
import io.gearbox.cli.Table;
import io.gearbox.web.serve.Handlers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code gearbox bench serve}: {@code gearbox serve} under load from {@code wrk}, each
 * {@code --handlers} variant in a JVM of its own. Scenarios, in this order on each server:
 *
 * <ol>
 *   <li>{@code io}: {@code /io?ms=50} at 1,000 connections (the physical maximum is 20,000 req/s);
 *   <li>{@code burn}: {@code /burn?ms=2} at 50 connections (2 cores allow 1,000 req/s);
 *   <li>{@code io-alone}: {@code /io?ms=50} at 100 connections, the unloaded reference;
 *   <li>{@code mixed}: the same {@code /io} load while {@code /burn} saturates the cores, two wrk
 *       at once: rows {@code mixed-io} (with its p99 against {@code io-alone}'s) and
 *       {@code mixed-burn}.
 * </ol>
 *
 * Each server first gets a short warm-up of both routes. Results: a table, {@code --json}
 * (schema {@code gearbox-bench/1}, workload {@code serve}: docs/bench-json.md) and {@code --html}.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    header = "Loads gearbox serve with wrk: each --handlers variant in its own JVM.",
    description = {
      "%nio          /io?ms=50 at 1,000 connections: waiting, where virtual threads shine",
      "burn        /burn?ms=2 at 50 connections: the cores' throughput",
      "io-alone    /io?ms=50 at 100 connections, the reference for mixed",
      "mixed       that /io load while /burn saturates the cores: /io's p99 against io-alone's",
      "Needs wrk (Debian package wrk; ./gearbox installs it when missing). The server's CPU",
      "(in cores) and resident memory are read from /proc. Goals (issue 9, hybrid): io >= 10,000",
      "req/s with p99 <= 150 ms; burn >= 800 req/s; mixed /io p99 <= 2x io-alone's.%n",
    })
final class ServeBench implements Callable<Integer> {

  static final String WORKLOAD = "serve";

  @Spec CommandSpec spec;

  @ParentCommand BenchCommand bench;

  @Option(names = "--handlers", split = ",", paramLabel = "KIND",
      description = "Variants to run, comma-separated (default: hybrid,virtual,threads,auto).")
  List<String> handlers;

  @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s", converter = Durations.class,
      description = "Length of each measured wrk run (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "3s", converter = Durations.class,
      description = "Warm-up of each server before its scenarios (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--io-connections", paramLabel = "N", defaultValue = "1000",
      description = "Connections of the io scenario (default: ${DEFAULT-VALUE}).")
  int ioConnections;

  @Option(names = "--burn-connections", paramLabel = "N", defaultValue = "50",
      description = "Connections of the burn scenario and of mixed's /burn (default: ${DEFAULT-VALUE}).")
  int burnConnections;

  @Option(names = "--mixed-io-connections", paramLabel = "N", defaultValue = "100",
      description = "Connections of io-alone and of mixed's /io (default: ${DEFAULT-VALUE}).")
  int mixedIoConnections;

  @Option(names = "--io-ms", paramLabel = "MS", defaultValue = "50",
      description = "The upstream delay of /io (default: ${DEFAULT-VALUE}).")
  int ioMs;

  @Option(names = "--burn-ms", paramLabel = "MS", defaultValue = "2",
      description = "CPU time of one /burn (default: ${DEFAULT-VALUE}).")
  int burnMs;

  /** Flags of each server JVM unless --jvm-args says otherwise: a heap sized for a server. */
  static final String DEFAULT_JVM_ARGS = "-XX:+UseSerialGC -Xmx256m";

  @Option(names = "--jvm-args", paramLabel = "FLAGS", defaultValue = DEFAULT_JVM_ARGS,
      description = "Flags of each server JVM, space-separated (default: ${DEFAULT-VALUE}; \"\" "
          + "for the JVM's own, whose heap may grow to a quarter of the machine's memory).")
  String jvmArgs;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the results as JSON.")
  Path json;

  @Option(names = "--html", paramLabel = "FILE", description = "Write a self-contained HTML page.")
  Path html;

  @Override
  public Integer call() throws Exception {
    List<Handlers> variants = variants();
    if (duration.toMillis() < 1_000) {
      throw new ParameterException(spec.commandLine(), "--duration must be at least 1s");
    }
    if (ioConnections < 1 || burnConnections < 1 || mixedIoConnections < 1) {
      throw new ParameterException(spec.commandLine(), "connection counts must be at least 1");
    }
    if (ioMs < 0 || ioMs > 999 || burnMs < 1 || burnMs > 1000) {
      throw new ParameterException(spec.commandLine(), "--io-ms must be 0..999 and --burn-ms 1..1000");
    }
    Path wrk = Wrk.find();
    if (wrk == null) {
      throw new IOException("wrk not found on the PATH: install the Debian package wrk (./gearbox "
          + "bench serve installs it when missing)");
    }
    PrintWriter out = spec.commandLine().getOut();
    Style style = bench != null ? bench.style() : Style.PLAIN;
    ArrayNode rows = Report.JSON.createArrayNode();
    boolean failed = false;
    for (Handlers h : variants) {
      out.println(style.dim("bench serve: " + h.label() + " handlers, in a JVM of its own..."));
      out.flush();
      failed |= runVariant(h, wrk, rows, out, style);
    }
    ObjectNode doc = document(rows);
    print(doc, out, style);
    if (json != null) {
      Files.writeString(json, Report.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
      out.println("wrote " + json);
    }
    if (html != null) {
      Files.writeString(html, ServeHtml.render(doc));
      out.println("wrote " + html);
    }
    out.flush();
    return failed ? 1 : 0;
  }

  private List<Handlers> variants() {
    if (handlers == null || handlers.isEmpty()) {
      return List.of(Handlers.values());
    }
    Set<Handlers> set = new LinkedHashSet<>();
    for (String label : handlers) {
      try {
        set.add(Handlers.parse(label.strip()));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--handlers: " + e.getMessage());
      }
    }
    return List.copyOf(set);
  }

  // ------------------------------------------------------------------ one server

  /** Runs every scenario against one server JVM; adds its rows; true if something failed. */
  private boolean runVariant(Handlers h, Path wrk, ArrayNode rows, PrintWriter out, Style style)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("gearbox-bench-serve");
    Path serverOut = dir.resolve("server.out");
    Path serverErr = dir.resolve("server.err");
    List<String> command = new ArrayList<>(List.of(Harness.javaCommand()));
    for (String flag : jvmArgs.strip().split("\\s+")) {
      if (!flag.isEmpty()) {
        command.add(flag);
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.gearbox.cli.Main",
        "serve", "--port", "0", "--handlers", h.label()));
    Process server = new ProcessBuilder(command).redirectOutput(serverOut.toFile())
        .redirectError(serverErr.toFile()).start();
    try {
      int port = awaitPort(server, serverOut, serverErr);
      String base = "http://127.0.0.1:" + port;
      String io = base + "/io?ms=" + ioMs;
      String burn = base + "/burn?ms=" + burnMs;
      if (!warmup.isZero()) {
        double w = Math.max(1, warmup.toMillis() / 1e3);
        runTogether(wrk, dir, w, new Load(io, Math.min(200, ioConnections), 1),
            new Load(burn, Math.min(10, burnConnections), 1));
      }
      double d = duration.toMillis() / 1e3;
      scenario(rows, h, "io", server, () -> runTogether(wrk, dir, d, new Load(io, ioConnections, 2)),
          List.of(io), List.of(ioConnections));
      scenario(rows, h, "burn", server, () -> runTogether(wrk, dir, d, new Load(burn, burnConnections, 1)),
          List.of(burn), List.of(burnConnections));
      ObjectNode alone = scenario(rows, h, "io-alone", server,
          () -> runTogether(wrk, dir, d, new Load(io, mixedIoConnections, 1)),
          List.of(io), List.of(mixedIoConnections)).getFirst();
      List<ObjectNode> mixed = scenario(rows, h, "mixed", server,
          () -> runTogether(wrk, dir, d, new Load(io, mixedIoConnections, 1), new Load(burn, burnConnections, 1)),
          List.of(io, burn), List.of(mixedIoConnections, burnConnections));
      double aloneP99 = alone.path("latency_ms").path("p99").asDouble(-1);
      double mixedP99 = mixed.getFirst().path("latency_ms").path("p99").asDouble(-1);
      if (aloneP99 > 0 && mixedP99 > 0) {
        mixed.getFirst().put("p99_vs_alone", round(mixedP99 / aloneP99, 2));
      }
      server.destroy(); // SIGTERM: the server drains and exits 0
      if (!server.waitFor(60, TimeUnit.SECONDS)) {
        throw new IOException("the server did not exit within 60 s of SIGTERM");
      }
      if (server.exitValue() != 0) {
        throw new IOException("the server exited with " + server.exitValue() + " after SIGTERM: "
            + lastLine(serverErr));
      }
      return false;
    } catch (IOException e) {
      ObjectNode row = Report.JSON.createObjectNode();
      row.put("variant", "failed");
      row.put("strategy", h.label());
      row.put("error", e.getMessage());
      rows.add(row);
      out.println(style.yellow("  " + h.label() + ": " + e.getMessage()));
      return true;
    } finally {
      if (server.isAlive()) {
        server.destroyForcibly();
        server.waitFor();
      }
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  /** One wrk load: a URL, its connections and wrk threads. */
  private record Load(String url, int connections, int threads) {}

  @FunctionalInterface
  private interface Measure {
    List<Wrk.Result> run() throws IOException, InterruptedException;
  }

  /** Runs a scenario, reading the server's CPU time and memory around it; its rows. */
  private List<ObjectNode> scenario(ArrayNode rows, Handlers h, String name, Process server,
      Measure measure, List<String> urls, List<Integer> connections) throws IOException, InterruptedException {
    String load = ProcStats.firstLine("/proc/loadavg");
    long cpuBefore = cpuNanos(server.pid());
    long start = System.nanoTime();
    List<Wrk.Result> results = measure.run();
    double wall = (System.nanoTime() - start) / 1e9;
    long cpuAfter = cpuNanos(server.pid());
    List<ObjectNode> made = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      Wrk.Result r = results.get(i);
      ObjectNode row = Report.JSON.createObjectNode();
      row.put("variant", results.size() == 1 ? name : name + (i == 0 ? "-io" : "-burn"));
      row.put("strategy", h.label());
      row.put("url", urls.get(i).replaceFirst("http://127\\.0\\.0\\.1:\\d+", ""));
      row.put("connections", connections.get(i));
      row.put("duration_s", round(r.seconds(), 2));
      row.put("requests", r.requests());
      row.put("requests_per_s", round(r.requestsPerSecond(), 1));
      ObjectNode latency = row.putObject("latency_ms");
      latency.put("p50", round(r.p50(), 2));
      latency.put("p90", round(r.p90(), 2));
      latency.put("p99", round(r.p99(), 2));
      latency.put("max", round(r.max(), 2));
      ObjectNode errors = row.putObject("errors");
      errors.put("connect", r.connectErrors());
      errors.put("read", r.readErrors());
      errors.put("write", r.writeErrors());
      errors.put("timeout", r.timeouts());
      errors.put("non_2xx", r.non2xx());
      errors.put("total", r.errors());
      if (cpuBefore >= 0 && cpuAfter >= 0) {
        row.put("server_cpu_cores", round((cpuAfter - cpuBefore) / 1e9 / wall, 2));
      } else {
        row.putNull("server_cpu_cores");
      }
      long rss = statusKb(server.pid(), "VmRSS:");
      long peak = statusKb(server.pid(), "VmHWM:");
      putMb(row, "server_rss_mb", rss);
      putMb(row, "server_peak_rss_mb", peak);
      row.put("load_average", load);
      row.putNull("error");
      rows.add(row);
      made.add(row);
    }
    return made;
  }

  private static void putMb(ObjectNode row, String field, long kb) {
    if (kb > 0) {
      row.put(field, round(kb / 1024.0, 1));
    } else {
      row.putNull(field);
    }
  }

  /** Runs one wrk per load at the same time; their results in order. */
  private static List<Wrk.Result> runTogether(Path wrk, Path dir, double seconds, Load... loads)
      throws IOException, InterruptedException {
    List<Process> running = new ArrayList<>();
    List<Path> outs = new ArrayList<>();
    try {
      for (int i = 0; i < loads.length; i++) {
        Path outFile = dir.resolve("wrk-" + i + ".out");
        outs.add(outFile);
        running.add(Wrk.start(Wrk.command(wrk, loads[i].url(), loads[i].connections(),
            loads[i].threads(), seconds, 30), outFile));
      }
      List<Wrk.Result> results = new ArrayList<>();
      for (int i = 0; i < loads.length; i++) {
        results.add(Wrk.finish(running.get(i), outs.get(i), seconds));
      }
      return results;
    } finally {
      for (Process p : running) {
        if (p.isAlive()) {
          p.destroyForcibly();
          p.waitFor();
        }
      }
    }
  }

  private static final Pattern LISTENING = Pattern.compile("handlers on http://[^:]+:(\\d+)/");

  private static int awaitPort(Process server, Path out, Path err) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      Matcher m = LISTENING.matcher(Files.readString(out));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!server.isAlive()) {
        throw new IOException("the server exited with " + server.exitValue() + ": " + lastLine(err));
      }
      Thread.sleep(50);
    }
    throw new IOException("the server did not start within 120 s: " + lastLine(err));
  }

  private static String lastLine(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    return lines.isEmpty() ? "(no output)" : lines.getLast().strip();
  }

  /** utime + stime of a process from /proc (clock ticks of 10 ms), or -1. */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** A field of /proc/<pid>/status in KiB, or -1. */
  static long statusKb(long pid, String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.substring(name.length()).replace("kB", "").strip());
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone, or not Linux
    }
    return -1;
  }

  // ------------------------------------------------------------------ the document and the table

  private ObjectNode document(ArrayNode rows) {
    ObjectNode doc = Report.JSON.createObjectNode();
    doc.put("schema", Report.SCHEMA);
    doc.put("workload", WORKLOAD);
    ObjectNode p = doc.putObject("params");
    p.put("duration_s", duration.toMillis() / 1e3);
    p.put("warmup_s", warmup.toMillis() / 1e3);
    p.put("io_connections", ioConnections);
    p.put("burn_connections", burnConnections);
    p.put("mixed_io_connections", mixedIoConnections);
    p.put("io_ms", ioMs);
    p.put("burn_ms", burnMs);
    p.put("client", "wrk " + wrkVersion());
    p.put("upstream", "gearbox serve's embedded delay server, in the server's JVM");
    ArrayNode args = p.putArray("jvm_args");
    for (String flag : jvmArgs.strip().split("\\s+")) {
      if (!flag.isEmpty()) {
        args.add(flag);
      }
    }
    ArrayNode strategies = p.putArray("strategies");
    variants().forEach(h -> strategies.add(h.label()));
    doc.set("machine", Report.machine());
    doc.put("finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    doc.set("results", rows);
    return doc;
  }

  private static String wrkVersion() {
    Path wrk = Wrk.find();
    if (wrk == null) {
      return "?";
    }
    try {
      Process p = new ProcessBuilder(wrk.toString(), "--version").redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes());
      p.waitFor(10, TimeUnit.SECONDS);
      Matcher m = Pattern.compile("wrk (\\S+)").matcher(text);
      return m.find() ? m.group(1) : "?";
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  /** Prints one table per scenario, then the goals. */
  static void print(JsonNode doc, PrintWriter out, Style style) {
    JsonNode p = doc.path("params");
    out.println();
    out.println(style.bold("gearbox bench serve: wrk against gearbox serve, " + p.path("duration_s").asDouble()
        + " s per scenario, each variant in its own JVM"));
    Set<String> scenarios = new LinkedHashSet<>();
    for (JsonNode row : doc.path("results")) {
      scenarios.add(row.path("variant").asString());
    }
    for (String scenario : scenarios) {
      out.println();
      JsonNode first = null;
      Table table = new Table().left("handlers").right("req/s").right("p50").right("p90").right("p99")
          .right("errors").right("server CPU").right("RSS");
      boolean mixedIo = scenario.equals("mixed-io");
      if (mixedIo) {
        table.right("p99 vs alone");
      }
      for (JsonNode row : doc.path("results")) {
        if (!row.path("variant").asString().equals(scenario)) {
          continue;
        }
        if (first == null) {
          first = row;
        }
        if (row.path("error").isString()) {
          out.println(style.yellow("  " + row.path("strategy").asString() + ": " + row.path("error").asString()));
          continue;
        }
        JsonNode l = row.path("latency_ms");
        List<Object> cells = new ArrayList<>(List.of(
            row.path("strategy").asString(),
            String.format(Locale.ROOT, "%,.0f", row.path("requests_per_s").asDouble()),
            ms(l.path("p50")), ms(l.path("p90")), ms(l.path("p99")),
            String.format(Locale.ROOT, "%,d", row.path("errors").path("total").asLong()),
            row.path("server_cpu_cores").isNumber()
                ? String.format(Locale.ROOT, "%.2f cores", row.path("server_cpu_cores").asDouble()) : "-",
            row.path("server_peak_rss_mb").isNumber()
                ? String.format(Locale.ROOT, "%.0f MB", row.path("server_peak_rss_mb").asDouble()) : "-"));
        if (mixedIo) {
          cells.add(row.path("p99_vs_alone").isNumber()
              ? String.format(Locale.ROOT, "%.2fx", row.path("p99_vs_alone").asDouble()) : "-");
        }
        table.row(cells.toArray());
      }
      if (first != null && !scenario.equals("failed")) {
        out.println(style.bold(scenario + ": " + first.path("url").asString() + " at "
            + first.path("connections").asInt() + " connections"));
      }
      table.print(out, style);
    }
    out.println();
    JsonNode m = doc.path("machine");
    Table.note(out, "req/s and latency percentiles as wrk reports them; errors = socket errors, "
        + "timeouts and non-2xx answers; server CPU = the server JVM's CPU time / wall time; RSS = "
        + "its peak resident set so far. wrk ran on the same " + m.path("cores").asInt()
        + " cores; load average at the end: " + m.path("load_average").asString() + ".", style::dim);
    out.flush();
  }

  private static String ms(JsonNode value) {
    if (!value.isNumber() || value.asDouble() < 0) {
      return "-";
    }
    double v = value.asDouble();
    return v >= 100 ? String.format(Locale.ROOT, "%.0f ms", v) : String.format(Locale.ROOT, "%.1f ms", v);
  }

  private static double round(double value, int places) {
    double f = Math.pow(10, places);
    return Math.round(value * f) / f;
  }
}
