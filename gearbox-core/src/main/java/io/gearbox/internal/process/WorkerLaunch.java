package io.gearbox.internal.process;

import io.gearbox.WorkerStartException;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * How a worker JVM is launched so that it finds Gearbox and the caller's task classes, whatever
 * launcher started the caller, and the check that fails a submit at once, with the fix, when it
 * would not.
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>Where the classes are.</b> {@code java.class.path} alone is the class path of a plain
 * {@code java -cp} or {@code -jar} launch only. Under {@code mvn exec:java} or a test runner the
 * caller's classes come from a {@link URLClassLoader} whose URLs are nowhere in the system
 * properties; on the module path ({@code java -p .. -m ..}) they are in {@code jdk.module.path},
 * whose directory entries hold modules (not classes). So the class path is gathered from
 * {@code java.class.path}, the URLs of every {@link URLClassLoader} above the building thread's
 * context class loader and above Gearbox's own, and the location of Gearbox's own classes, which
 * goes first: the JVM opens every jar it walks past looking up a class, and a worker's start-up
 * classes are all Gearbox's. {@link #startupOptions()} spares the worker a scan of every jar for
 * a {@code SelectorProvider} service.
 *
 * <p><b>Module path.</b> When Gearbox itself runs as the named module {@code io.gearbox} in the
 * boot layer, the worker does too: {@code -p <the caller's module path> --add-modules
 * ALL-MODULE-PATH -m io.gearbox/..WorkerMain}, so tasks from the caller's modules deserialize in
 * their modules. Otherwise module path entries are put on the class path (a directory of modules
 * as its jars). The caller's own module options ({@code --patch-module}, {@code --add-opens}, ..)
 * are passed on, since a test runner patches test classes into the module under test.
 *
 * <p><b>The check.</b> A task's class (for a lambda, its host's: hidden classes share its
 * protection domain) must come from somewhere a worker reads: the JDK, a boot-layer module, or a
 * location on the workers' class path (jar manifests' {@code Class-Path} included). A class
 * compiled in memory by the source launcher ({@code java App.java}), loaded from a jar inside a
 * jar, or from a loader the detection could not see fails its first submit with a
 * {@link WorkerStartException} saying which and naming {@code classPath(..)}; the answer is cached
 * per class. An explicit {@code classPath(..)} turns detection and the check off: with it even a
 * source-launched program works, its classes compiled to a directory on that class path.
 */
final class WorkerLaunch {

  private static final String MAIN = WorkerMain.class.getName();

  private final List<String> args;
  private final Set<Path> reachable;
  /** {@link #reachable} with manifest Class-Path entries and real paths; made on a first miss. */
  private volatile Set<Path> expanded;
  private final boolean explicit;
  private final String problem;
  private final String described;
  private final ClassValue<String> problems = new ClassValue<>() {
    @Override
    protected String computeValue(Class<?> type) {
      return problemFor(type);
    }
  };

  private WorkerLaunch(List<String> args, Set<Path> reachable, boolean explicit, String problem,
      String described) {
    this.args = List.copyOf(args);
    this.reachable = reachable;
    this.explicit = explicit;
    this.problem = problem;
    this.described = described;
  }

  /**
   * Works out the launch for a pool built on the current thread.
   *
   * @param classPath the builder's explicit class path, or null to detect it
   */
  static WorkerLaunch detect(List<Path> classPath) {
    if (classPath != null) {
      List<String> entries = classPath.stream().map(p -> p.toAbsolutePath().toString()).toList();
      String cp = String.join(File.pathSeparator, entries);
      return new WorkerLaunch(List.of("-cp", cp, MAIN), Set.of(), true, null,
          "the class path given to ProcessPoolBuilder.classPath(..)");
    }
    Set<Path> cp = new LinkedHashSet<>();
    List<String> from = new ArrayList<>();
    for (String e : split(System.getProperty("java.class.path"))) {
      cp.add(normalize(Path.of(e)));
    }
    if (!cp.isEmpty()) {
      from.add("java.class.path");
    }
    int before = cp.size();
    addLoaderUrls(Thread.currentThread().getContextClassLoader(), cp);
    addLoaderUrls(WorkerMain.class.getClassLoader(), cp);
    if (cp.size() > before) {
      from.add("the URLs of the class loaders above this thread's");
    }
    List<Path> modulePath = split(System.getProperty("jdk.module.path")).stream()
        .map(e -> normalize(Path.of(e))).toList();
    Module gearbox = WorkerMain.class.getModule();
    boolean asModule = gearbox.isNamed() && gearbox.getLayer() == ModuleLayer.boot();
    Set<Path> reachable = new LinkedHashSet<>(cp);
    List<String> args = new ArrayList<>();
    String problem = null;
    Path own = location(WorkerMain.class);
    if (asModule) {
      reachable.addAll(modulePath);
      modulePath.forEach(p -> reachable.addAll(modulesIn(p)));
      if (!modulePath.isEmpty()) {
        from.add("jdk.module.path");
        args.add("-p");
        args.add(join(modulePath));
        args.add("--add-modules");
        args.add("ALL-MODULE-PATH");
      } else {
        // a runtime image made by jlink: its modules are the boot layer's, resolved by name
        String names = String.join(",", ModuleLayer.boot().modules().stream().map(Module::getName)
            .filter(n -> !n.startsWith("java.") && !n.startsWith("jdk.")).sorted().toList());
        args.add("--add-modules");
        args.add(names);
        from.add("the runtime image's modules");
      }
      args.addAll(moduleOptions());
      if (!cp.isEmpty()) {
        args.add("-cp");
        args.add(join(cp));
      }
      args.add("-m");
      args.add(gearbox.getName() + "/" + MAIN);
    } else {
      for (Path p : modulePath) {
        List<Path> jars = modulesIn(p);
        cp.addAll(jars.isEmpty() ? List.of(p) : jars);
      }
      if (!modulePath.isEmpty()) {
        from.add("jdk.module.path");
      }
      if (own == null) {
        problem = "Gearbox's own classes were loaded from " + describeLocation(WorkerMain.class)
            + ", which a worker JVM cannot put on its class path: give the workers a class path"
            + " with Gearbox's jar and the task classes with ProcessPoolBuilder.classPath(..)";
      } else {
        if (!cp.contains(own)) {
          from.add("Gearbox's own jar");
        }
        // Gearbox's own jar first: the JVM looks the main class and every class of the worker's
        // start up in the class-path entries in order, opening each jar it passes (40 of the
        // CLI's 60 before this, ~40 ms); the jar is the one the caller's Gearbox came from, so
        // no other entry's copy of a Gearbox class could have been meant
        Set<Path> ordered = new LinkedHashSet<>();
        ordered.add(own);
        ordered.addAll(cp);
        cp = ordered;
      }
      reachable.addAll(cp);
      args.add("-cp");
      args.add(join(cp));
      args.add(MAIN);
    }
    return new WorkerLaunch(args, Set.copyOf(reachable), false, problem,
        from.isEmpty() ? "an empty class path" : String.join(", ", from));
  }

  /** Options that shape the caller's boot layer, e.g. a test runner's --patch-module. */
  private static final List<String> MODULE_OPTIONS = List.of("--patch-module", "--add-reads",
      "--add-exports", "--add-opens", "--add-modules", "--limit-modules", "--upgrade-module-path");

  /**
   * The caller's module options, so that its boot layer and a worker's are alike: Surefire, for
   * one, runs a modular project's tests with their classes patched into its module.
   */
  private static List<String> moduleOptions() {
    List<String> in = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      String a = in.get(i);
      for (String o : MODULE_OPTIONS) {
        if (a.startsWith(o + "=")) {
          out.add(a);
        } else if (a.equals(o) && i + 1 < in.size()) {
          out.add(a);
          out.add(in.get(++i));
        }
      }
    }
    return out;
  }

  /**
   * JVM options that make a worker start sooner, placed before the user's (which win):
   * {@code java.nio.channels.spi.SelectorProvider} names the class {@code SelectorProvider.provider()}
   * returned in this JVM when that is the JDK's own. Without it a worker's first socket looks for
   * a provider service in every jar on its class path ({@code ServiceLoader} over
   * {@code META-INF/services}), which opens them all: ~20-60 ms with the CLI's 60 jars. With it
   * the worker instantiates the same JDK class directly (it has a public constructor, and channels
   * and selectors of two instances of one JDK provider work together: a selector checks only that
   * a channel is one of the JDK's). A provider of the caller's own (a service on the class path,
   * or the property) is left to the worker to find the same way; so is a worker running another
   * {@code java} ({@code ProcessPoolBuilder.javaCommand}), which may not have the class.
   */
  static List<String> startupOptions() {
    Class<?> provider = java.nio.channels.spi.SelectorProvider.provider().getClass();
    if (provider.getModule() != Object.class.getModule()
        || System.getProperty(SELECTOR_PROVIDER) != null) {
      return List.of();
    }
    return List.of("-D" + SELECTOR_PROVIDER + "=" + provider.getName());
  }

  private static final String SELECTOR_PROVIDER = "java.nio.channels.spi.SelectorProvider";

  /** The arguments that follow the JVM options: class or module path and the main class. */
  List<String> args() {
    return args;
  }

  /** Why no worker can start at all under this launcher, or null. */
  String problem() {
    return problem;
  }

  /**
   * Throws if workers could not load this task or function class.
   *
   * @throws WorkerStartException naming the launcher problem and the builder option that fixes it
   */
  void check(String poolName, Class<?> type) {
    String p = problem != null ? problem : problems.get(type);
    if (p != null) {
      throw new WorkerStartException("process pool '" + poolName + "': " + p + " (docs/launchers.md)", null);
    }
  }

  private String problemFor(Class<?> type) {
    ClassLoader loader = type.getClassLoader();
    if (loader == null || loader == ClassLoader.getPlatformClassLoader()) {
      return null; // the JDK's own: every worker has them
    }
    CodeSource cs = type.getProtectionDomain().getCodeSource();
    URL url = cs == null ? null : cs.getLocation();
    Path path = url == null ? null : toPath(url);
    if (explicit) {
      return null;
    }
    String name = nameOf(type);
    if (path != null && Files.isRegularFile(path) && path.getFileName().toString().endsWith(".java")) {
      return "task class " + name + " was compiled in memory by the source launcher (java "
          + path.getFileName() + "), so no worker JVM can load it: compile it (javac -d classes "
          + path.getFileName() + ") and run it from there, or give the workers the compiled classes"
          + " and Gearbox's jar with ProcessPoolBuilder.classPath(..)";
    }
    Module m = type.getModule();
    if (m.isNamed() && m.getLayer() == ModuleLayer.boot() && WorkerMain.class.getModule().isNamed()) {
      return null; // resolved in the worker's boot layer too
    }
    if (path != null && (reachable.contains(normalize(path)) || expanded().contains(normalize(path))
        || expanded().contains(real(path)))) {
      return null;
    }
    return "task class " + name + " was loaded from "
        + (url == null ? "no known location" : url.toString()) + " by " + loader
        + ", which is not on the class path found for the workers (from " + described
        + (url != null && url.getProtocol().equals("jar") ? "; a jar inside a jar cannot be on one" : "")
        + "): give the workers a class path that has it with ProcessPoolBuilder.classPath(..)";
  }

  /**
   * The class path entries with what jar manifests add ({@code -jar}, a pathing jar) and their
   * real paths (symlinks): opening every jar costs, so only once a class is not found directly.
   */
  private Set<Path> expanded() {
    Set<Path> e = expanded;
    if (e == null) {
      Set<Path> all = new LinkedHashSet<>(reachable);
      all.addAll(manifestClassPaths(reachable));
      all.addAll(all.stream().map(WorkerLaunch::real).toList());
      expanded = e = Set.copyOf(all);
    }
    return e;
  }

  /** A lambda's hidden class is named by its host. */
  private static String nameOf(Class<?> type) {
    String n = type.getName();
    int lambda = n.indexOf("$$Lambda");
    return lambda > 0 ? "a lambda in " + n.substring(0, lambda) : n;
  }

  private static Path location(Class<?> type) {
    CodeSource cs = type.getProtectionDomain().getCodeSource();
    return cs == null || cs.getLocation() == null ? null : toPath(cs.getLocation());
  }

  private static String describeLocation(Class<?> type) {
    CodeSource cs = type.getProtectionDomain().getCodeSource();
    return cs == null || cs.getLocation() == null ? "no known location" : cs.getLocation().toString();
  }

  private static void addLoaderUrls(ClassLoader loader, Set<Path> into) {
    Deque<ClassLoader> chain = new ArrayDeque<>();
    for (ClassLoader l = loader; l != null; l = l.getParent()) {
      chain.push(l); // the farthest ancestor first: parent-first delegation's order
    }
    for (ClassLoader l : chain) {
      if (l instanceof URLClassLoader u) {
        for (URL url : u.getURLs()) {
          Path p = toPath(url);
          if (p != null) {
            into.add(normalize(p));
          }
        }
      }
    }
  }

  /** A directory on the module path holds module jars; an exploded module is itself an entry. */
  private static List<Path> modulesIn(Path entry) {
    if (!Files.isDirectory(entry) || Files.isRegularFile(entry.resolve("module-info.class"))) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(entry)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".jar")
              || Files.isRegularFile(f.resolve("module-info.class")))
          .map(WorkerLaunch::normalize).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The entries jars add with their manifest's Class-Path (a -jar launch, a pathing jar). */
  private static Set<Path> manifestClassPaths(Set<Path> entries) {
    Set<Path> found = new LinkedHashSet<>();
    Deque<Path> todo = new ArrayDeque<>(entries);
    Set<Path> seen = new LinkedHashSet<>();
    while (!todo.isEmpty()) {
      Path jar = todo.pop();
      if (!seen.add(jar) || !Files.isRegularFile(jar)) {
        continue;
      }
      try (JarFile jf = new JarFile(jar.toFile())) {
        Manifest mf = jf.getManifest();
        String cp = mf == null ? null : mf.getMainAttributes().getValue("Class-Path");
        if (cp == null) {
          continue;
        }
        for (String e : cp.trim().split("\\s+")) {
          Path p = e.contains(":") ? toPath(URI.create(e).toURL()) : jar.getParent().resolve(e);
          if (p != null) {
            p = normalize(p);
            found.add(p);
            todo.add(p);
          }
        }
      } catch (IOException | RuntimeException e) {
        // not a jar, or an entry that is not a path: nothing to add
      }
    }
    return found;
  }

  private static Path toPath(URL url) {
    if (!"file".equals(url.getProtocol())) {
      return null;
    }
    try {
      return Path.of(url.toURI());
    } catch (Exception e) {
      return null;
    }
  }

  private static Path normalize(Path p) {
    try {
      return p.toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      return p;
    }
  }

  private static Path real(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException | RuntimeException e) {
      return normalize(p);
    }
  }

  private static List<String> split(String path) {
    if (path == null || path.isEmpty()) {
      return List.of();
    }
    return Stream.of(path.split(File.pathSeparator)).filter(s -> !s.isEmpty()).toList();
  }

  private static String join(Iterable<Path> paths) {
    List<String> s = new ArrayList<>();
    paths.forEach(p -> s.add(p.toString()));
    return String.join(File.pathSeparator, s);
  }
}
