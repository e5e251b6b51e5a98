package io.gearbox.cli;

import io.gearbox.PoolKind;
import io.gearbox.Profiler;
import io.gearbox.TaskProfile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code gearbox profile}: runs a user's task, given as a class on a class path, under the
 * {@link Profiler} and prints where its time goes and which pool fits it.
 *
 * <p>The class must have a public no-argument constructor and implement {@link Callable} (run as
 * {@code call()}) or {@link Function} (run as {@code apply(arg)} with the {@code --arg} string). It
 * is loaded by a class loader of its own over {@code --class-path}. That loader sees the JDK,
 * Gearbox's library ({@code io.gearbox} and its subpackages, as this command loaded them, so a
 * task may use the API) and its own class path; not the command's other libraries (picocli,
 * Jackson) or its own classes, so a task's copy of those is the one it gets.
 *
 * <p>Exit codes: 0 when at least one run succeeded; 1 when every run failed (the verdict is
 * "failed" and the first failure is printed), or the class cannot be loaded or built; 2 for bad
 * arguments.
 */
@Command(
    name = "profile",
    mixinStandardHelpOptions = true,
    header = "Profiles a task class: CPU, waiting and allocation per run, and the pool that fits.",
    description = {
      "%nRuns the task on one platform thread (warm-up runs first, not counted), measures each",
      "run's wall time, CPU time, run-queue time and allocated bytes, and gives the verdict the",
      "auto pool would reach: cpu when the task computes at least half of its time, else virtual.%n",
    })
public final class ProfileCommand implements Callable<Integer> {

  static final JsonMapper JSON = JsonMapper.builder().build();

  @Spec private CommandSpec spec;

  @ParentCommand private Main parent;

  @Option(names = {"--class-path", "-cp"}, required = true, paramLabel = "PATH",
      description = "Directories and jars holding the task class, separated by '${sys:path.separator}'.")
  private String classPath;

  @Parameters(index = "0", paramLabel = "CLASS",
      description = "Binary name of the task class, e.g. com.example.Fetch or com.example.Outer$Task.")
  private String className;

  @Option(names = "--arg", paramLabel = "STRING",
      description = "The argument passed to a Function task's apply (required for a Function).")
  private String arg;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "20",
      description = "Measured runs (default: ${DEFAULT-VALUE}).")
  private int runs;

  @Option(names = "--warmup", paramLabel = "W", defaultValue = "2",
      description = "Runs before measuring, not counted (default: ${DEFAULT-VALUE}).")
  private int warmup;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the profile as JSON.")
  private Path json;

  @Override
  public Integer call() throws Exception {
    if (runs < 1 || runs > 1_000_000) {
      throw usage("--runs must be between 1 and 1000000, was " + runs);
    }
    if (warmup < 0 || warmup > 1_000_000) {
      throw usage("--warmup must be between 0 and 1000000, was " + warmup);
    }
    List<URL> urls = new ArrayList<>();
    for (String entry : classPath.split(java.io.File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      Path p = Path.of(entry);
      if (!Files.exists(p)) {
        throw usage("--class-path entry not found: " + entry);
      }
      try {
        urls.add(p.toUri().toURL());
      } catch (MalformedURLException e) {
        throw usage("--class-path entry is not usable: " + entry);
      }
    }
    if (urls.isEmpty()) {
      throw usage("--class-path is empty");
    }
    String unwritable = OutputFiles.check("--json", json);
    if (unwritable != null) {
      spec.commandLine().getErr().println("gearbox: " + unwritable);
      return Main.EXIT_FAILURE;
    }
    try (URLClassLoader loader = new URLClassLoader("gearbox-profile", urls.toArray(URL[]::new),
        new GearboxApiLoader())) {
      Object instance = instantiate(loader);
      Callable<?> task;
      String shape;
      if (instance instanceof Callable<?> callable) {
        if (arg != null) {
          throw usage("--arg applies to a Function task; " + className + " is a Callable");
        }
        task = callable;
        shape = "Callable";
      } else if (instance instanceof Function<?, ?> function) {
        if (arg == null) {
          throw usage("--arg is required: " + className + " is a Function<String, ?>");
        }
        @SuppressWarnings("unchecked")
        Function<Object, ?> f = (Function<Object, ?>) function;
        String input = arg;
        task = () -> f.apply(input);
        shape = "Function";
      } else {
        throw new IllegalArgumentException("class " + className
            + " is neither a java.util.concurrent.Callable nor a java.util.function.Function");
      }
      ClassLoader previous = Thread.currentThread().getContextClassLoader();
      Callable<?> inLoader = () -> {
        Thread.currentThread().setContextClassLoader(loader);
        try {
          return task.call();
        } finally {
          Thread.currentThread().setContextClassLoader(previous);
        }
      };
      if (warmup > 0) {
        Profiler.profile(className, inLoader, warmup);
      }
      TaskProfile profile = Profiler.profile(className, inLoader, runs);
      print(profile, shape);
      if (json != null) {
        writeJson(profile, shape);
      }
      return allFailed(profile) ? Main.EXIT_FAILURE : 0;
    }
  }

  /** Every run threw: there is nothing to judge the task by. */
  static boolean allFailed(TaskProfile p) {
    return p.runs() > 0 && p.failures() >= p.runs();
  }

  /** The verdict as printed and written: "failed" when every run did, else the pool kind. */
  static String verdictLabel(TaskProfile p) {
    return allFailed(p) ? "failed" : p.verdict().label();
  }

  /**
   * The parent of a profiled task's class loader: the platform class loader (the JDK) and, from
   * the loader that loaded this command, Gearbox's library: {@code io.gearbox} and its subpackages
   * but not this command's ({@code io.gearbox.cli}). The task and this command then share one
   * {@code Pool}, {@code TaskFailedException}, ... class, so what the task throws or returns
   * means what it says here.
   */
  static final class GearboxApiLoader extends ClassLoader {
    private static final ClassLoader GEARBOX = io.gearbox.Pool.class.getClassLoader();

    GearboxApiLoader() {
      super("gearbox-api", ClassLoader.getPlatformClassLoader());
    }

    static boolean isGearbox(String name) {
      return name.startsWith("io.gearbox.") && !name.startsWith("io.gearbox.cli.");
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      if (isGearbox(name)) {
        return GEARBOX.loadClass(name);
      }
      throw new ClassNotFoundException(name);
    }

    @Override
    protected URL findResource(String name) {
      return name.startsWith("io/gearbox/") && !name.startsWith("io/gearbox/cli/")
          ? GEARBOX.getResource(name) : null;
    }
  }

  private Object instantiate(ClassLoader loader) {
    Class<?> type;
    try {
      type = Class.forName(className, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalArgumentException("class " + className + " not found on the class path "
          + classPath + (e instanceof LinkageError ? " (" + e + ")" : ""), e);
    }
    if (Modifier.isAbstract(type.getModifiers()) || type.isInterface()) {
      throw new IllegalArgumentException("class " + className + " is abstract; give a concrete task class");
    }
    Constructor<?> constructor;
    try {
      constructor = type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException("class " + className
          + " has no public no-argument constructor (a nested class must be public and static)", e);
    }
    try {
      return constructor.newInstance();
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("constructing " + className + " failed: "
          + Main.describe(e.getCause()), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("cannot construct " + className + ": " + e.getMessage(), e);
    }
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  private void print(TaskProfile p, String shape) {
    Style style = parent != null ? parent.style() : Style.PLAIN;
    PrintWriter out = spec.commandLine().getOut();
    out.println(style.bold("Profile of " + p.key() + " (" + shape + "), " + p.runs() + " runs"
        + (warmup > 0 ? " after " + warmup + " warm-up run" + (warmup == 1 ? "" : "s") : "")));
    out.printf(Locale.ROOT, "  %-10s %12s  mean per run%n", "wall", ms(p.meanWall()));
    if (p.meanCpu().isNegative()) {
      out.printf(Locale.ROOT, "  %-10s %12s%n", "cpu", "unknown");
    } else {
      out.printf(Locale.ROOT, "  %-10s %12s  %s%n", "cpu", ms(p.meanCpu()), pct(p.cpuShare()));
      out.printf(Locale.ROOT, "  %-10s %12s  %s%n", "waiting", ms(p.meanWaiting()), pct(p.waitShare()));
      out.printf(Locale.ROOT, "  %-10s %12s  %s%n", "run queue", ms(p.meanRunQueue()),
          style.dim("runnable, waiting for a core (not the task's doing)"));
    }
    out.printf(Locale.ROOT, "  %-10s %12s%n", "allocated",
        p.allocatedBytes() < 0 ? "unknown" : bytes(p.allocatedBytes()));
    out.printf(Locale.ROOT, "  %-10s %s%n", "method", p.method());
    if (p.failures() > 0) {
      out.println(style.yellow("  " + p.failures() + " of " + p.runs() + " runs failed; first: "
          + p.firstFailure()));
    }
    if (allFailed(p)) {
      out.println(style.bold("Verdict: failed") + "   every run failed, so its time says nothing "
          + "about the pool it needs; first failure: " + p.firstFailure());
      spec.commandLine().getErr().println("gearbox: profile: all " + p.runs() + " runs of "
          + p.key() + " failed; first: " + p.firstFailure());
      return;
    }
    out.println(style.bold("Verdict: " + p.verdict().label()) + "   " + p.evidence());
    out.println(style.dim("  " + (p.verdict() == PoolKind.CPU
        ? "-> Gearbox.cpu(): it computes; more threads than cores would not help"
        : "-> Gearbox.virtual(): it mostly waits; thousands can wait at once")
        + ", or Gearbox.auto(), which measures and routes it there"));
  }

  private void writeJson(TaskProfile p, String shape) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("class", p.key());
    doc.put("shape", shape);
    doc.put("runs", p.runs());
    doc.put("warmup", warmup);
    doc.put("failures", p.failures());
    doc.put("firstFailure", p.firstFailure());
    doc.put("meanWallNanos", p.meanWall().toNanos());
    doc.put("meanCpuNanos", p.meanCpu().toNanos());
    doc.put("meanWaitingNanos", p.meanWaiting().toNanos());
    doc.put("meanRunQueueNanos", p.meanRunQueue().toNanos());
    doc.put("allocatedBytes", p.allocatedBytes());
    if (Double.isNaN(p.cpuShare())) {
      doc.putNull("cpuShare");
      doc.putNull("waitShare");
    } else {
      doc.put("cpuShare", p.cpuShare());
      doc.put("waitShare", p.waitShare());
    }
    doc.put("verdict", verdictLabel(p));
    doc.put("method", p.method());
    doc.put("evidence", p.evidence());
    try {
      Path parentDir = json.toAbsolutePath().getParent();
      if (parentDir != null) {
        Files.createDirectories(parentDir);
      }
      Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write --json " + json + ": " + OutputFiles.reason(e), e);
    }
    spec.commandLine().getOut().println("JSON written to " + json);
  }

  private static String ms(Duration d) {
    return String.format(Locale.ROOT, "%.3f ms", d.toNanos() / 1e6);
  }

  private static String pct(double share) {
    return Double.isNaN(share) ? "" : String.format(Locale.ROOT, "(%d%%)", Math.round(share * 100));
  }

  private static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    if (b < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
  }
}
