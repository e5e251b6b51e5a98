package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.testing.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: {@code --json}/{@code --html} targets are checked before any work runs, with the OS's
 * reason; counts too large to run are refused like any other bad value.
 */
@ExtendWith(Leaks.class)
class OutputPathsAndLimitsTest {

  @TempDir Path dir;

  /** One line on stderr naming the flag, the file and the OS's reason; nothing run or printed. */
  private static void assertRefusedBeforeWork(BenchCommandTest.Result r, String flag, String file,
      String reason) {
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as(r.err()).hasSize(1);
    assertThat(lines.getFirst()).startsWith("gearbox: cannot write " + flag + " " + file + ": ")
        .endsWith(reason);
    assertThat(r.out()).as("no table: nothing ran").isEmpty();
    assertThat(r.err()).doesNotContain("Exception").doesNotContain("[1/");
  }

  @Test
  void jsonUnderAMissingProcDirectoryIsRefusedBeforeTheBenchRuns() {
    BenchCommandTest.Result r = BenchCommandTest.run("bench", "overhead", "--tasks", "100",
        "--runs", "1", "--warmup", "0", "--json", "/proc/nope/x.json");
    assertRefusedBeforeWork(r, "--json", "/proc/nope/x.json", "/proc/nope: No such file or directory");
  }

  @Test
  void htmlUnderAFileOrAtADirectoryIsRefusedWithTheReason() throws Exception {
    Path file = Files.writeString(dir.resolve("plain.txt"), "x");
    String underFile = file.resolve("out.html").toString();
    BenchCommandTest.Result r = BenchCommandTest.run("bench", "overhead", "--tasks", "100",
        "--runs", "1", "--warmup", "0", "--html", underFile);
    assertRefusedBeforeWork(r, "--html", underFile, "Not a directory");

    BenchCommandTest.Result atDir = BenchCommandTest.run("bench", "cpu", "--scale", "0.01",
        "--runs", "1", "--warmup", "0", "--json", dir.resolve("ok.json").toString(),
        "--html", dir.toString());
    assertRefusedBeforeWork(atDir, "--html", dir.toString(), dir + ": Is a directory");
    assertThat(dir.resolve("ok.json")).as("the check leaves no file behind").doesNotExist();
  }

  @Test
  void matrixAndReportAndProcessesCheckTheirFilesFirst() throws Exception {
    assertRefusedBeforeWork(BenchCommandTest.run("matrix", "--quick", "--json", "/proc/nope/m.json"),
        "--json", "/proc/nope/m.json", "No such file or directory");
    Path saved = Files.writeString(dir.resolve("saved.json"), HtmlReportTest.SAMPLE_IO);
    assertRefusedBeforeWork(
        BenchCommandTest.run("bench", "report", saved.toString(), "--html", "/proc/nope/r.html"),
        "--html", "/proc/nope/r.html", "No such file or directory");
    assertRefusedBeforeWork(BenchCommandTest.run("bench", "processes", "--spawns", "1",
            "--round-trips", "1", "--items", "1", "--runs", "1", "--json", "/proc/nope/p.json"),
        "--json", "/proc/nope/p.json", "No such file or directory");
  }

  @Test
  void aWritableTargetInANewDirectoryIsMadeAndWritten() throws Exception {
    Path json = dir.resolve("new/sub/overhead.json");
    BenchCommandTest.Result r = BenchCommandTest.run("bench", "overhead", "--tasks", "100",
        "--runs", "1", "--warmup", "0", "--strategies", "virtual,jdk", "--json", json.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(BenchCommandTest.read(json).path("workload").asString()).isEqualTo("overhead");
  }

  @Test
  void countsPastTheirLimitAreUsageErrors() {
    for (String[] args : List.of(
        new String[] {"bench", "overhead", "--tasks", "2000000000"},
        new String[] {"bench", "io", "--tasks", "2000000000"},
        new String[] {"bench", "mixed", "--tasks", "2000000000"},
        new String[] {"bench", "memory", "--tasks", "2000000000"},
        new String[] {"bench", "io", "--threads", "2000000000"},
        new String[] {"bench", "cpu", "--balanced-tasks", "2000000000"},
        new String[] {"bench", "overhead", "--runs", "2000000000"},
        new String[] {"bench", "overhead", "--warmup", "2000000000"},
        new String[] {"bench", "processes", "--items", "2000000000"},
        new String[] {"bench", "processes", "--round-trips", "2000000000"},
        new String[] {"bench", "processes", "--spawns", "2000000000"},
        new String[] {"bench", "processes", "--workers", "2000000000"})) {
      BenchCommandTest.Result r = BenchCommandTest.run(args);
      String flag = args[2];
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", args))
          .containsPattern(java.util.regex.Pattern.quote(flag) + " must be \\d to [\\d,]+, was 2000000000")
          .contains("Usage:");
      assertThat(r.out()).as(String.join(" ", args)).isEmpty();
    }
  }
}
