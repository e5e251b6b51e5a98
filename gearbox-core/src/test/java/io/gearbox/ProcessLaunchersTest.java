package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process pool under each way a program can be launched (issue 11), with real JVMs: a small
 * program ({@code src/test/resources/launchers}) compiled here against this build's classes, run
 * under {@code java -cp}, {@code java -p .. -m} (Gearbox as an exploded module), {@code java -jar}
 * (one jar with Gearbox inside), an isolated {@link java.net.URLClassLoader} as {@code mvn
 * exec:java} runs code, a class loader with no URLs at all, and source-file mode. The first four
 * must run the task in another JVM; the last two must fail the first submit at once with one
 * message that names the fix, with no worker started and failed over and over. (The same launchers
 * with a real Maven project, Surefire and Gradle's run shape: gearbox-examples'
 * ConsumerProjectTest; this test is its fast, install-free counterpart.)
 */
class ProcessLaunchersTest {

  @RegisterExtension final Harness h = new Harness();

  /** The first submit must fail within this long, machine load allowed for (the goal: 5 s). */
  private static final Duration FAIL_FAST = Delays.scaled(Duration.ofSeconds(5));
  private static final Duration RUN = Delays.LONG.multipliedBy(6);
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final Pattern FAILED_AFTER = Pattern.compile("failed after (\\d+) ms");

  @TempDir static Path work;
  private static Path gearbox; // this build's classes: an exploded module (module-info.class)
  private static Path appCp;
  private static Path appModule;
  private static Path boot;

  @BeforeAll
  static void compile() throws IOException {
    gearbox = Path.of(io.gearbox.Gearbox.class.getProtectionDomain().getCodeSource().getLocation()
        .getPath());
    assertThat(gearbox.resolve("module-info.class")).isRegularFile();
    Path src = work.resolve("src");
    Path main = write(src.resolve("cp/launch/Main.java"), resource("Main.java.txt"));
    appCp = work.resolve("app-cp");
    javac("-cp", gearbox.toString(), "-d", appCp.toString(), main.toString());

    Files.createDirectories(src.resolve("mod/launch"));
    Path modMain = Files.copy(main, src.resolve("mod/launch/Main.java"));
    Path info = write(src.resolve("mod/module-info.java"), resource("module-info.java.txt"));
    appModule = work.resolve("app-mod");
    javac("-p", gearbox.toString(), "-d", appModule.toString(), info.toString(), modMain.toString());

    Path isolated = write(src.resolve("boot/boot/Isolated.java"), resource("Isolated.java.txt"));
    boot = work.resolve("boot");
    javac("-d", boot.toString(), isolated.toString());
  }

  @Test
  void classPath_runsTheTaskInAWorker() throws Exception {
    assertRan(run(JAVA, "-cp", gearbox + File.pathSeparator + appCp, "launch.Main"));
  }

  @Test
  void modulePath_runsTheTaskInAWorker() throws Exception {
    assertRan(run(JAVA, "-p", gearbox + File.pathSeparator + appModule, "-m", "app/launch.Main"));
  }

  @Test
  void fatJar_runsTheTaskInAWorker() throws Exception {
    Path jar = work.resolve("app-all.jar");
    tool("jar", "--create", "--file", jar.toString(), "--main-class", "launch.Main",
        "-C", appCp.toString(), ".", "-C", gearbox.toString(), "io");
    assertRan(run(JAVA, "-jar", jar.toString()));
  }

  @Test
  void isolatedUrlClassLoader_likeMavenExecJava_runsTheTaskInAWorker() throws Exception {
    // java.class.path is only the launcher: Gearbox and the app are in the loader's URLs
    assertRan(run(JAVA, "-cp", boot.toString(), "boot.Isolated", "url", gearbox.toString(),
        appCp.toString()));
  }

  @Test
  void classLoaderWithoutUrls_failsTheFirstSubmitAtOnce_namingClassPath() throws Exception {
    Run r = run(JAVA, "-cp", boot + File.pathSeparator + gearbox, "boot.Isolated", "opaque",
        appCp.toString());
    assertFailedFast(r);
    assertThat(r.output).contains("task class a lambda in launch.Main was loaded from no known"
        + " location by", "ProcessPoolBuilder.classPath(..)");
  }

  @Test
  void sourceFileMode_failsTheFirstSubmitAtOnce_sayingWhyAndHowToFixIt() throws Exception {
    Path app = write(work.resolve("script/App.java"),
        resource("Main.java.txt").replace("package launch;", "").replace("class Main", "class App"));
    Run r = run(JAVA, "-cp", gearbox.toString(), app.toString());
    assertFailedFast(r);
    assertThat(r.output).contains("compiled in memory by the source launcher (java App.java)",
        "javac -d classes App.java", "ProcessPoolBuilder.classPath(..)");
  }

  // ---------------------------------------------------------------- helpers

  private static void assertRan(Run r) {
    assertThat(r.exit).as(r.output).isZero();
    assertThat(r.output).contains("ok, in another JVM: true");
  }

  private static void assertFailedFast(Run r) {
    assertThat(r.exit).as(r.output).isEqualTo(1);
    assertThat(r.output).contains("WorkerStartException")
        .contains("spawnFailures=0 crashed=0 broken=false")
        .doesNotContain("Could not find or load main class", "PoolBrokenException");
    Matcher m = FAILED_AFTER.matcher(r.output);
    assertThat(m.find()).as(r.output).isTrue();
    assertThat(Duration.ofMillis(Long.parseLong(m.group(1)))).as(r.output).isLessThan(FAIL_FAST);
  }

  private record Run(int exit, String output) {}

  private static Run run(String... command) throws Exception {
    Path log = Files.createTempFile(work, "run", ".log");
    Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(RUN.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor();
      throw new AssertionError(String.join(" ", command) + " ran past " + RUN.toSeconds() + " s:\n"
          + Files.readString(log));
    }
    return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  private static void javac(String... args) {
    tool("javac", args);
  }

  private static void tool(String name, String... args) {
    StringWriter out = new StringWriter();
    PrintWriter w = new PrintWriter(out);
    int rc = ToolProvider.findFirst(name).orElseThrow().run(w, w, args);
    w.flush();
    assertThat(rc).as("%s %s:%n%s", name, List.of(args), out).isZero();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ProcessLaunchersTest.class.getResourceAsStream("/launchers/" + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Path write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.writeString(file, text);
  }
}
