package io.gearbox.cli;

/**
 * Terminal styling for human output: ANSI codes when stdout is a terminal and {@code NO_COLOR} is
 * unset, plain text otherwise (pipes, files, tests).
 */
public enum Style {
  /** Plain text. */
  PLAIN,
  /** ANSI colours and bold. */
  ANSI;

  /**
   * {@link #ANSI} when the JVM's stdout is an interactive terminal and {@code NO_COLOR} is unset.
   */
  public static Style forStdout() {
    java.io.Console console = System.console();
    boolean terminal = console != null && console.isTerminal();
    return terminal && System.getenv("NO_COLOR") == null ? ANSI : PLAIN;
  }

  /** Section titles and table headers. */
  public String bold(String text) {
    return wrap("1", text);
  }

  /** Good news: speedups, SUCCEEDED. */
  public String green(String text) {
    return wrap("32", text);
  }

  /** Attention: CANCELLED, failures. */
  public String yellow(String text) {
    return wrap("33", text);
  }

  /** Secondary text: the seed's claims, notes. */
  public String dim(String text) {
    return wrap("2", text);
  }

  private String wrap(String code, String text) {
    return this == ANSI && !text.isEmpty() ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
  }
}
