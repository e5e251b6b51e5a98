package io.gearbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.testing.Leaks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine.Command;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Runs {@link Main} in-process, as the launcher would, and checks exit codes and output. */
@ExtendWith(Leaks.class)
class MainTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  private String section(String text, String from, String to) {
    int start = text.indexOf(from);
    int end = to == null ? text.length() : text.indexOf(to);
    assertThat(start).as("section '%s' in:%n%s", from, text).isNotNegative();
    assertThat(end).as("section after '%s' in:%n%s", from, text).isGreaterThan(start);
    return text.substring(start, end);
  }

  @Test
  void helpOfEveryCommand_keepsEachDescriptionLineWhole() {
    // a line longer than the usage width wraps and leaves a word or two alone on the next line
    CommandLine root = Main.configure(new CommandLine(new Main(Style.PLAIN)),
        new PrintWriter(out, true), new PrintWriter(err, true), Style.PLAIN);
    List<CommandLine> commands = new java.util.ArrayList<>(List.of(root));
    for (int i = 0; i < commands.size(); i++) {
      commands.addAll(commands.get(i).getSubcommands().values());
    }
    assertThat(commands).hasSizeGreaterThan(5);
    for (CommandLine cl : commands) {
      int width = cl.getUsageHelpWidth();
      for (String line : cl.getCommandSpec().usageMessage().description()) {
        String text = String.format(line).strip();
        for (String part : text.split("\\R")) {
          assertThat(part.length()).as("'%s' of gearbox %s (width %d)", part,
              cl.getCommandName(), width).isLessThanOrEqualTo(width - 2);
        }
      }
      String help = cl.getUsageMessage();
      assertThat(help.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(width));
    }
  }

  @Test
  void helpOfEveryCommand_optionDescriptionsAreValidFormats() {
    // picocli formats descriptions (%n is a line break); a bare % ("10% of") left one
    // unformatted, and picocli warned on stderr each time it drew the help
    CommandLine root = Main.configure(new CommandLine(new Main(Style.PLAIN)),
        new PrintWriter(out, true), new PrintWriter(err, true), Style.PLAIN);
    List<CommandLine> commands = new java.util.ArrayList<>(List.of(root));
    for (int i = 0; i < commands.size(); i++) {
      commands.addAll(commands.get(i).getSubcommands().values());
    }
    int checked = 0;
    for (CommandLine cl : commands) {
      for (picocli.CommandLine.Model.OptionSpec option : cl.getCommandSpec().options()) {
        if (option.userObject() instanceof java.lang.reflect.Field field
            && field.getAnnotation(Option.class) != null) {
          String raw = String.join("%n", field.getAnnotation(Option.class).description());
          checked++;
          org.assertj.core.api.Assertions.assertThatCode(() -> String.format(raw))
              .as("%s of gearbox %s", option.longestName(), cl.getCommandName())
              .doesNotThrowAnyException();
        }
      }
    }
    assertThat(checked).isGreaterThan(50);
  }

  @Test
  void demoQuickPrintsTheFourSectionsWithNumbers() {
    int code = run("demo", "--quick");

    assertThat(err.toString()).isEmpty();
    assertThat(code).isZero();
    String text = out.toString();
    String io = section(text, "1. I/O-bound", "2. CPU-bound");
    String cpu = section(text, "2. CPU-bound", "3. Async");
    String async = section(text, "3. Async", "4. Processes");
    String processes = section(text, "4. Processes", null);

    assertThat(io).contains("sequential", "Gearbox.threads(10)", "Gearbox.virtual()",
        "significantly faster");
    assertThat(io.lines().filter(l -> l.matches(".*\\d+\\.\\d\\d s +\\d+\\.\\dx .*"))).hasSize(3);
    assertThat(io).containsPattern("waiting \\d+% of the time");

    assertThat(cpu).contains("Gearbox.cpu(), " + Runtime.getRuntime().availableProcessors()
        + " threads", "roughly a 4x speedup", "No GIL", "Gearbox.processes(");
    assertThat(cpu.lines().filter(l -> l.matches(".*\\d+\\.\\d\\d s +\\d+\\.\\dx .*"))).hasSize(3);
    for (int n = 1; n <= 4; n++) {
      assertThat(cpu).containsPattern("compute_heavy\\(" + n + "\\) +\\d+\\.\\d\\d s +\\d+\\.\\d\\d s +\\d+%");
    }

    assertThat(async).containsPattern("10 x fetch, one scope +10 SUCCEEDED +\\d+\\.\\d\\d s");
    assertThat(async).containsPattern("1 x fetch \\?ms=5000 +CANCELLED +\\d+\\.\\d\\d s");
    assertThat(async).containsPattern("1,000 x Thread.sleep +200 ms +\\d+\\.\\d\\d s +\\d+");
    assertThat(async).containsPattern("100 x fetch +50 ms +\\d+\\.\\d\\d s +\\d+");
    assertThat(async).containsPattern("cpu.invoke\\(.*\\) +gearbox-cpu-\\S+ +platform +\\d+\\.\\d\\d s");
    assertThat(async).containsPattern("Workloads.fetch\\(uri\\) +gearbox-virtual-\\S+ +virtual");
    assertThat(async).contains("contagious");

    assertThat(processes).containsPattern("\\[printer\\] hello from worker pid \\d+");
    assertThat(processes).contains("java.lang.IllegalArgumentException: bad record #17",
        "thrown in worker process pid", "WorkerCrashedException", "exit code 1",
        "TIMED_OUT, then its worker was KILLED", "6 * 7 = 42");

    assertThat(text).doesNotContain("\u001b["); // not a terminal: no colour
  }

  @Test
  void unknownOptionPrintsUsageOnStderrAndExits2() {
    assertThat(run("--bogus")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown option: '--bogus'", "Usage: gearbox");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void unknownSubcommandExits2() {
    assertThat(run("nope")).isEqualTo(2);
    assertThat(err.toString()).contains("'nope'", "Usage: gearbox");
  }

  @Test
  void badDemoFlagOrValueExits2WithTheDemoUsage() {
    assertThat(run("demo", "--bogus")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown option: '--bogus'", "Usage: gearbox demo");

    err.getBuffer().setLength(0);
    assertThat(run("demo", "--scale", "abc")).isEqualTo(2);
    assertThat(err.toString()).contains("'abc' is not a double", "Usage: gearbox demo");

    err.getBuffer().setLength(0);
    assertThat(run("demo", "--scale", "-1")).isEqualTo(2);
    assertThat(err.toString()).contains("--scale", "Usage: gearbox demo");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void noSubcommandExits2() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required subcommand", "Usage: gearbox");
  }

  @Test
  void helpAndVersionExit0() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("Usage: gearbox", "demo", "--verbose");

    out.getBuffer().setLength(0);
    assertThat(run("demo", "--help")).isZero();
    assertThat(out.toString()).contains("Usage: gearbox demo", "--quick", "--scale");

    out.getBuffer().setLength(0);
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("gearbox ").contains("Java " + Runtime.version().feature());
    assertThat(err.toString()).isEmpty();
  }

  /** A subcommand that fails the way a real one would: a pool task throws. */
  @Command(name = "fail")
  static final class Failing implements Callable<Integer> {
    @Override
    public Integer call() {
      try (Pool pool = Gearbox.threads(1)) {
        return pool.invoke(() -> {
          throw new UncheckedIOException("could not fetch http://127.0.0.1:9/",
              new ConnectException("Connection refused"));
        });
      }
    }
  }

  private int runWithFailing(String... args) {
    CommandLine cl = new CommandLine(new Main(Style.PLAIN)).addSubcommand(new Failing());
    Main.configure(cl, new PrintWriter(out, true), new PrintWriter(err, true), Style.PLAIN);
    return cl.execute(args);
  }

  @Test
  void runtimeFailureIsOneLineOnStderrAndExit1() {
    assertThat(runWithFailing("fail")).isEqualTo(1);

    assertThat(err.toString().lines().toList())
        .containsExactly("gearbox: could not fetch http://127.0.0.1:9/");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void verboseAddsTheStackTrace() {
    assertThat(runWithFailing("fail", "--verbose")).isEqualTo(1);

    List<String> lines = err.toString().lines().toList();
    assertThat(lines.getFirst()).isEqualTo("gearbox: could not fetch http://127.0.0.1:9/");
    assertThat(lines).hasSizeGreaterThan(3).anyMatch(l -> l.contains("Caused by: java.io.UncheckedIOException"));
  }

  @Test
  void describeUnwrapsWrappersAndKeepsOneLine() {
    assertThat(Main.describe(new java.util.concurrent.CompletionException(
        new java.io.IOException("disk\nfull")))).isEqualTo("disk full");
    assertThat(Main.describe(new NullPointerException())).isEqualTo("NullPointerException");
    assertThat(Main.describe(new ArithmeticException("/ by zero"))).isEqualTo("ArithmeticException: / by zero");
  }
}
