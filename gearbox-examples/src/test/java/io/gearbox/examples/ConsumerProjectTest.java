package io.gearbox.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.testing.Leaks;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code consumer/} project built and run exactly as a user's project would be:
 * with Maven, against Gearbox from the local Maven repository ({@code ./gearbox install}, which
 * {@code ./gearbox test} runs first), then its program run under every common launcher. Each run is
 * a real JVM whose process pool starts real workers; the program checks every pool kind's answer
 * and prints "all pools ok". The project is copied to a temporary directory, so the source tree
 * stays clean.
 *
 * <p>Launchers: {@code java -cp} (jars), Gradle's {@code run} shape ({@code java -cp} with class
 * directories, from another working directory), {@code java -jar} (a shaded jar),
 * {@code java -p .. -m} (the module path), {@code mvn exec:java} (an isolated class loader in
 * Maven's JVM), Surefire (the project's own JUnit test, on the module path, during its build), and
 * source-file mode ({@code java Hello.java}), which fails its first submit with one message unless
 * given a class path.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(Leaks.class)
class ConsumerProjectTest {

  private static final double FACTOR =
      Double.parseDouble(System.getProperty("gearbox.test.delayFactor", "1"));
  private static final Duration RUN = scaled(Duration.ofSeconds(60));
  private static final Duration BUILD = scaled(Duration.ofMinutes(4));
  private static final String VERSION = "0.1.0-SNAPSHOT";
  private static final Path REPO = Path.of(System.getProperty("user.home"), ".m2", "repository");
  private static final Path CORE_JAR = REPO.resolve("io/gearbox/gearbox-core/" + VERSION
      + "/gearbox-core-" + VERSION + ".jar");
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @TempDir
  static Path work;
  private static Path project;

  /** Copies consumer/ and builds it with Maven: compile, its JUnit test in Surefire, the jars. */
  @BeforeAll
  static void build() throws Exception {
    assertThat(CORE_JAR).as("Gearbox is not in the local Maven repository: run ./gearbox install"
        + " first (./gearbox test does)").isRegularFile();
    Path source = Path.of("").toAbsolutePath().getParent().resolve("consumer");
    project = work.resolve("consumer");
    copy(source, project);
    Run r = run(project, BUILD, mvn(), "-B", "-ntp", "package");
    assertThat(r.exit).as("mvn package of the consumer project:%n%s", r.output).isZero();
    assertThat(r.output).as("its own test ran a process pool inside Surefire")
        .contains("Tests run: 1, Failures: 0, Errors: 0");
  }

  @AfterEach
  void noChildProcessesLeft() {
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList())
        .as("processes left running").isEmpty();
  }

  @Test
  @Order(1)
  void classPathRunsEveryPool() throws Exception {
    assertAllPoolsOk(run(project, RUN, JAVA, "-cp",
        jar() + File.pathSeparator + project.resolve("target/lib/*"), "app.Main"));
  }

  @Test
  @Order(2)
  void gradleRunShapeRunsEveryPool() throws Exception {
    // Gradle's `run` is `java -cp <classes dir>:<resources dir>:<jars> Main` from the project
    // directory; no Gradle is installed here, so that command is run as Gradle builds it
    Path resources = project.resolve("target/resources-that-gradle-would-have");
    Files.createDirectories(resources);
    assertAllPoolsOk(run(work, RUN, JAVA, "-cp", String.join(File.pathSeparator,
        project.resolve("target/classes").toString(), resources.toString(), CORE_JAR.toString()),
        "app.Main"));
  }

  @Test
  @Order(3)
  void shadedJarRunsEveryPool() throws Exception {
    assertAllPoolsOk(run(project, RUN, JAVA, "-jar",
        project.resolve("target/gearbox-consumer-1.0-all.jar").toString()));
  }

  @Test
  @Order(4)
  void modulePathRunsEveryPool() throws Exception {
    assertAllPoolsOk(run(project, RUN, JAVA, "-p",
        jar() + File.pathSeparator + project.resolve("target/lib"), "-m", "app/app.Main"));
  }

  @Test
  @Order(5)
  void mavenExecJavaRunsEveryPool() throws Exception {
    assertAllPoolsOk(run(project, RUN, mvn(), "-B", "-ntp", "-q", "exec:java"));
  }

  @Test
  @Order(6)
  void sourceFileModeFailsTheFirstSubmitWithTheFix() throws Exception {
    long t0 = System.nanoTime();
    Run r = run(project, RUN, JAVA, "-cp", CORE_JAR.toString(), "scripts/Hello.java");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.exit).as(r.output).isNotZero();
    assertThat(r.output).contains("WorkerStartException")
        .contains("compiled in memory by the source launcher (java Hello.java)")
        .contains("ProcessPoolBuilder.classPath(..)")
        .doesNotContain("Could not find or load main class")
        .doesNotContain("PoolBrokenException");
    // the whole run, JVM start and source compilation included, not a restart storm
    assertThat(Duration.ofMillis(ms)).as(r.output).isLessThan(scaled(Duration.ofSeconds(20)));
  }

  @Test
  @Order(7)
  void sourceFileModeWorksWithAClassPath() throws Exception {
    Path classes = work.resolve("hello-classes");
    Run javac = run(project, RUN, Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
        "-cp", CORE_JAR.toString(), "-d", classes.toString(), "scripts/Hello.java");
    assertThat(javac.exit).as(javac.output).isZero();
    Run r = run(project, RUN, JAVA, "-cp", CORE_JAR.toString(), "scripts/Hello.java",
        classes.toString(), CORE_JAR.toString());
    assertThat(r.exit).as(r.output).isZero();
    assertThat(r.output).containsPattern("hello from pid \\d+");
  }

  @Test
  @Order(8)
  void theReadmesFirstSampleIsTheCompiledFirstSample() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    String readme = Files.readString(root.resolve("README.md"));
    int start = readme.indexOf("```java\n") + "```java\n".length();
    String block = readme.substring(start, readme.indexOf("```", start)).strip();
    assertThat(block).startsWith("import io.gearbox.*;").doesNotContain("Workloads");
    block = block.substring("import io.gearbox.*;".length()).strip();
    String source = Files.readString(root.resolve("consumer/src/main/java/app/FirstSample.java"));
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("// README:begin\n(.*?)\n[ ]*// README:end", java.util.regex.Pattern.DOTALL)
        .matcher(source);
    List<String> regions = new ArrayList<>();
    while (m.find()) {
      regions.add(m.group(1).stripIndent().strip());
    }
    // compiled by the consumer project's build in build(), as a user's code would be
    assertThat(project.resolve("target/classes/app/FirstSample.class")).isRegularFile();
    assertThat(block).isEqualTo(String.join("\n\n", regions));
  }

  // ---------------------------------------------------------------- helpers

  private static void assertAllPoolsOk(Run r) {
    assertThat(r.exit).as(r.output).isZero();
    assertThat(r.output).contains("THREADS: 30", "VIRTUAL: 30", "CPU: 30", "AUTO: 30",
        "PROCESSES: 30", "process task ran in another JVM: true", "all pools ok");
  }

  private static String jar() {
    return project.resolve("target/gearbox-consumer-1.0.jar").toString();
  }

  private static String mvn() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "mvn"))) {
        return Path.of(dir, "mvn").toString();
      }
    }
    throw new AssertionError("no mvn on the PATH: the consumer project is built with Maven");
  }

  private record Run(int exit, String output) {}

  /** Runs a command to its end (killed, and the test failed, past the deadline). */
  private static Run run(Path dir, Duration deadline, String... command) throws Exception {
    Path log = Files.createTempFile(work, "run", ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process p = pb.start();
    if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor();
      throw new AssertionError(String.join(" ", command) + " ran past " + deadline.toSeconds()
          + " s:\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
    return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  private static void copy(Path from, Path to) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(from)) {
      files = new ArrayList<>(walk.filter(p -> !from.relativize(p).startsWith("target")).toList());
    }
    for (Path f : files) {
      Path t = to.resolve(from.relativize(f).toString());
      if (Files.isDirectory(f)) {
        Files.createDirectories(t);
      } else {
        Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static Duration scaled(Duration d) {
    return Duration.ofNanos((long) (d.toNanos() * FACTOR));
  }
}
