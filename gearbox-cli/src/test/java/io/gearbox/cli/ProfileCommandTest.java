package io.gearbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.testing.Leaks;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code gearbox profile} on task classes loaded from a directory and from a jar. */
@ExtendWith(Leaks.class)
class ProfileCommandTest {

  /** A task that waits: the verdict is virtual. */
  public static final class Sleeper implements Callable<String> {
    @Override
    public String call() throws InterruptedException {
      Thread.sleep(20);
      return "slept";
    }
  }

  /** A task that computes for the number of milliseconds it is given: the verdict is cpu. */
  public static final class Spinner implements Function<String, Long> {
    @Override
    public Long apply(String millis) {
      long end = System.nanoTime() + Long.parseLong(millis) * 1_000_000;
      long x = 0;
      while (System.nanoTime() < end) {
        x += Long.numberOfTrailingZeros(x + System.nanoTime());
      }
      return x;
    }
  }

  /** Fails every run. */
  public static final class Failing implements Callable<Object> {
    @Override
    public Object call() {
      throw new IllegalStateException("no database here");
    }
  }

  /**
   * Uses the Gearbox API: runs its work on a pool of its own and throws Gearbox's exception type.
   * Its class loader must see the library (issue 14: it saw only the JDK).
   */
  public static final class UsesGearbox implements Callable<String> {
    @Override
    public String call() {
      try (io.gearbox.Pool pool = io.gearbox.Gearbox.virtual()) {
        return pool.submit(() -> "inner").join();
      } catch (io.gearbox.TaskFailedException e) {
        return "failed: " + e.getMessage();
      }
    }
  }

  /** Not a task. */
  public static final class NotATask {}

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  private static String testClasses() throws Exception {
    return Path.of(Sleeper.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .toString();
  }

  @Test
  void sleepingCallableFromADirectoryIsVirtualWithItsEvidence() throws Exception {
    int code = run("profile", "--class-path", testClasses(), Sleeper.class.getName(),
        "--runs", "5", "--warmup", "1");

    assertThat(err.toString()).isEmpty();
    assertThat(code).isZero();
    String text = out.toString();
    assertThat(text).contains("Profile of " + Sleeper.class.getName() + " (Callable), 5 runs after 1 warm-up run");
    assertThat(text).containsPattern("wall +\\d+\\.\\d{3} ms");
    assertThat(text).containsPattern("waiting +\\d+\\.\\d{3} ms +\\(\\d+%\\)");
    assertThat(text).contains("method", "CPU clock");
    assertThat(text).containsPattern("Verdict: virtual +cpu \\d+%, waiting \\d+% over 5 runs -> virtual");
  }

  @Test
  void spinningFunctionFromAJarIsCpuAndWritesJson(@TempDir Path dir) throws Exception {
    Path jar = dir.resolve("tasks.jar");
    String entry = Spinner.class.getName().replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream jarOut = new JarOutputStream(file);
        InputStream bytes = Spinner.class.getClassLoader().getResourceAsStream(entry)) {
      jarOut.putNextEntry(new JarEntry(entry));
      bytes.transferTo(jarOut);
      jarOut.closeEntry();
    }
    Path json = dir.resolve("out/profile.json");

    int code = run("profile", "-cp", jar.toString(), Spinner.class.getName(), "--arg", "20",
        "--runs", "4", "--json", json.toString());

    assertThat(err.toString()).isEmpty();
    assertThat(code).isZero();
    assertThat(out.toString()).contains("(Function)").containsPattern("Verdict: cpu ");
    JsonNode doc = ProfileCommand.JSON.readTree(json.toFile());
    assertThat(doc.path("verdict").asString()).isEqualTo("cpu");
    assertThat(doc.path("shape").asString()).isEqualTo("Function");
    assertThat(doc.path("runs").asInt()).isEqualTo(4);
    assertThat(doc.path("cpuShare").asDouble()).isGreaterThanOrEqualTo(0.5);
    assertThat(doc.path("meanWallNanos").asLong()).isGreaterThanOrEqualTo(20_000_000L);
    assertThat(doc.path("evidence").asString()).endsWith("-> cpu");
  }

  @Test
  void taskEveryRunOfWhichFailsHasAFailedVerdictAndExitsOne(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("failed.json");
    int code = run("profile", "--class-path", testClasses(), Failing.class.getName(),
        "--runs", "3", "--warmup", "0", "--json", json.toString());

    assertThat(code).isEqualTo(Main.EXIT_FAILURE);
    assertThat(out.toString())
        .contains("3 of 3 runs failed; first: java.lang.IllegalStateException: no database here")
        .contains("Verdict: failed")
        .doesNotContain("Verdict: virtual").doesNotContain("Verdict: cpu");
    assertThat(err.toString().strip()).isEqualTo("gearbox: profile: all 3 runs of "
        + Failing.class.getName() + " failed; first: java.lang.IllegalStateException: no database here");
    assertThat(ProfileCommand.JSON.readTree(json.toFile()).path("verdict").asString())
        .isEqualTo("failed");
  }

  @Test
  void taskUsingTheGearboxApiLoadsAndRuns() throws Exception {
    assertThat(testClasses()).doesNotContain("gearbox-core"); // the library is not on --class-path
    int code = run("profile", "--class-path", testClasses(), UsesGearbox.class.getName(),
        "--runs", "3", "--warmup", "1");

    assertThat(err.toString()).isEmpty();
    assertThat(code).isZero();
    assertThat(out.toString()).contains("Profile of " + UsesGearbox.class.getName())
        .doesNotContain("failed").containsPattern("Verdict: (virtual|cpu) ");
  }

  @Test
  void theProfiledClassSeesGearboxButNotTheCommandsOwnLibraries() throws Exception {
    ClassLoader api = new ProfileCommand.GearboxApiLoader();
    assertThat(api.loadClass("io.gearbox.TaskFailedException"))
        .isSameAs(io.gearbox.TaskFailedException.class);
    assertThat(api.loadClass("java.util.List")).isSameAs(java.util.List.class);
    for (String hidden : List.of("picocli.CommandLine", "io.gearbox.cli.Main",
        "tools.jackson.databind.json.JsonMapper")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> api.loadClass(hidden))
          .as(hidden).isInstanceOf(ClassNotFoundException.class);
    }
  }

  @Test
  void unwritableJsonIsRefusedBeforeProfiling() throws Exception {
    int code = run("profile", "--class-path", testClasses(), Sleeper.class.getName(),
        "--json", "/proc/nope/p.json");

    assertThat(code).isEqualTo(Main.EXIT_FAILURE);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString().strip()).isEqualTo(
        "gearbox: cannot write --json /proc/nope/p.json: /proc/nope: No such file or directory");
  }

  @Test
  void missingClassIsOneLineAndExitOne() throws Exception {
    int code = run("profile", "--class-path", testClasses(), "com.example.Nope");

    assertThat(code).isEqualTo(Main.EXIT_FAILURE);
    assertThat(err.toString().strip())
        .startsWith("gearbox: class com.example.Nope not found on the class path")
        .doesNotContain("\n");
  }

  @Test
  void classThatIsNotATaskIsOneLineAndExitOne() throws Exception {
    int code = run("profile", "--class-path", testClasses(), NotATask.class.getName());

    assertThat(code).isEqualTo(Main.EXIT_FAILURE);
    assertThat(err.toString()).contains("is neither a java.util.concurrent.Callable nor");
  }

  @Test
  void badFlagsAreUsageErrors() throws Exception {
    assertThat(run("profile", "--class-path", testClasses(), Spinner.class.getName())).isEqualTo(2);
    assertThat(err.toString()).contains("--arg is required").contains("Usage:");
    assertThat(run("profile", "--class-path", "/no/such/dir", Sleeper.class.getName())).isEqualTo(2);
    assertThat(err.toString()).contains("--class-path entry not found: /no/such/dir");
    assertThat(run("profile", "--class-path", testClasses(), Sleeper.class.getName(), "--runs", "0"))
        .isEqualTo(2);
    assertThat(run("profile", Sleeper.class.getName())).isEqualTo(2);
  }
}
