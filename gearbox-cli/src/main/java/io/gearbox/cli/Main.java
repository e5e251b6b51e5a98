package io.gearbox.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code gearbox} command.
 *
 * <p>Exit codes: 0 success; 1 runtime failure, reported as one line {@code gearbox: <what went
 * wrong>} on stderr (with the stack trace under {@code --verbose}); 2 bad usage (unknown option or
 * subcommand, bad value), reported with the usage on stderr.
 */
@Command(
    name = "gearbox",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Thread, virtual-thread, CPU, process and auto pools for the JVM: the seed article's",
      "threading / multiprocessing / asyncio experiments, measured on this machine.",
    },
    // One line per subcommand.
    subcommands = {
      DemoCommand.class,
      io.gearbox.cli.bench.BenchCommand.class,
      io.gearbox.cli.bench.MatrixCommand.class,
      ProfileCommand.class,
      WorkerCommand.class,
      ServeCommand.class,
      CommandLine.HelpCommand.class,
    })
public final class Main implements Callable<Integer> {

  /** Exit code of a runtime failure. */
  public static final int EXIT_FAILURE = CommandLine.ExitCode.SOFTWARE;

  @Spec private CommandSpec spec;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "On failure, print the full stack trace.")
  private boolean verbose;

  private final Style style;

  /** A command whose human output uses {@code style}. */
  public Main(Style style) {
    this.style = style;
  }

  /** The styling of human output: subcommands read it through {@code @ParentCommand}. */
  public Style style() {
    return style;
  }

  /** Runs the command and exits the JVM with its exit code. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = run(out, err, Style.forStdout(), args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * Runs the command in-process with plain (uncoloured) output and returns its exit code.
   *
   * @param out where normal output goes
   * @param err where errors and usage after an error go
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(out, err, Style.PLAIN, args);
  }

  static int run(PrintWriter out, PrintWriter err, Style style, String... args) {
    try {
      return commandLine(out, err, style).execute(args);
    } catch (RuntimeException | Error e) {
      // picocli handles exceptions from the commands; this catches what escapes picocli itself.
      err.println("gearbox: " + describe(e));
      return EXIT_FAILURE;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /**
   * The configured command line, for running in-process.
   *
   * @param style styling of human output and of the usage help
   */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err, Style style) {
    return configure(new CommandLine(new Main(style)), out, err, style);
  }

  /**
   * Sets streams, colours and the failure handler on {@code cl} and on the subcommands it has now
   * (picocli copies these settings down only to the subcommands present when they are set).
   */
  static CommandLine configure(CommandLine cl, PrintWriter out, PrintWriter err, Style style) {
    cl.setOut(out);
    cl.setErr(err);
    cl.setColorScheme(CommandLine.Help.defaultColorScheme(style == Style.ANSI ? Ansi.ON : Ansi.OFF));
    cl.setExecutionExceptionHandler(Main::onFailure);
    // the descriptions are written in lines of up to 90 characters: at picocli's default of 80,
    // each would wrap and leave a word or two alone on the next line
    cl.setUsageHelpWidth(100);
    return cl;
  }

  /** {@code gearbox} alone: a subcommand is required. */
  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  private static int onFailure(Exception e, CommandLine cl, ParseResult parsed) {
    PrintWriter err = cl.getErr();
    err.println("gearbox: " + describe(e));
    if (verbose(parsed)) {
      e.printStackTrace(err);
    }
    err.flush();
    return EXIT_FAILURE;
  }

  private static boolean verbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  /**
   * One line saying what went wrong: the message of the innermost useful exception, without
   * wrappers such as {@link CompletionException} or {@link io.gearbox.TaskFailedException}.
   */
  public static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t && isWrapper(t)) {
      t = t.getCause();
    }
    String message = t.getMessage();
    String text;
    if (t instanceof InterruptedException) {
      text = "interrupted";
    } else if (message == null || message.isBlank()) {
      text = t.getClass().getSimpleName();
    } else if (speaksForItself(t)) {
      text = message;
    } else {
      text = t.getClass().getSimpleName() + ": " + message;
    }
    return text.replaceAll("\\s*\\R\\s*", " ").strip();
  }

  /** Exceptions whose message alone says what went wrong (the others get their class name). */
  private static boolean speaksForItself(Throwable t) {
    return t instanceof IOException
        || t instanceof java.io.UncheckedIOException
        || t instanceof IllegalArgumentException
        || t instanceof IllegalStateException
        || t instanceof java.util.concurrent.CancellationException
        || t.getClass().getPackageName().equals("io.gearbox");
  }

  private static boolean isWrapper(Throwable t) {
    return t instanceof CompletionException
        || t instanceof ExecutionException
        || t instanceof io.gearbox.TaskFailedException
        || t instanceof java.lang.reflect.UndeclaredThrowableException
        || t instanceof java.lang.reflect.InvocationTargetException
        || t instanceof CommandLine.ExecutionException;
  }

  /** {@code --version}: this build's version and the JVM it runs on. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "gearbox " + projectVersion(),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + "), "
            + Runtime.getRuntime().availableProcessors() + " cores, "
            + System.getProperty("os.name") + " " + System.getProperty("os.arch"),
      };
    }

    /** The version Maven recorded in the jar, or "development build" when run from classes. */
    static String projectVersion() {
      try (InputStream in = Main.class.getResourceAsStream(
          "/META-INF/maven/io.gearbox/gearbox-cli/pom.properties")) {
        if (in != null) {
          Properties properties = new Properties();
          properties.load(in);
          return properties.getProperty("version", "development build");
        }
      } catch (IOException e) {
        // fall through
      }
      return "development build";
    }
  }
}
