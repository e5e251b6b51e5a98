package io.gearbox.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A plain-text table with aligned columns, for human output.
 *
 * <pre>{@code
 * new Table().left("run").right("time").row("sequential", "1.02 s").print(out, style);
 * }</pre>
 *
 * <p>Cells are padded on their plain text and styled afterwards, so colour never breaks alignment.
 */
public final class Table {

  private static final String INDENT = "  ";
  private static final String GAP = "  ";

  private record Column(String header, boolean right) {}

  private record Cell(String text, UnaryOperator<String> styler) {}

  private final List<Column> columns = new ArrayList<>();
  private final List<List<Cell>> rows = new ArrayList<>();

  /** Adds a left-aligned column. */
  public Table left(String header) {
    columns.add(new Column(header, false));
    return this;
  }

  /** Adds a right-aligned column (numbers). */
  public Table right(String header) {
    columns.add(new Column(header, true));
    return this;
  }

  /**
   * Adds a row. Each cell is a value (printed with {@code String.valueOf}) or a {@link Styled}.
   *
   * @throws IllegalArgumentException if the row has more cells than the table has columns
   */
  public Table row(Object... cells) {
    if (cells.length > columns.size()) {
      throw new IllegalArgumentException(
          "row has " + cells.length + " cells, table has " + columns.size() + " columns");
    }
    List<Cell> row = new ArrayList<>();
    for (Object cell : cells) {
      row.add(cell instanceof Styled(String text, UnaryOperator<String> styler)
          ? new Cell(text, styler)
          : new Cell(String.valueOf(cell), UnaryOperator.identity()));
    }
    rows.add(row);
    return this;
  }

  /** Prints the header and rows, indented, with trailing spaces trimmed. */
  public void print(PrintWriter out, Style style) {
    int[] widths = new int[columns.size()];
    for (int c = 0; c < widths.length; c++) {
      widths[c] = columns.get(c).header().length();
    }
    for (List<Cell> row : rows) {
      for (int c = 0; c < row.size(); c++) {
        widths[c] = Math.max(widths[c], row.get(c).text().length());
      }
    }
    List<Cell> header = columns.stream().map(col -> new Cell(col.header(), style::bold)).toList();
    out.println(line(header, widths));
    for (List<Cell> row : rows) {
      out.println(line(row, widths));
    }
  }

  private String line(List<Cell> cells, int[] widths) {
    StringBuilder line = new StringBuilder(INDENT);
    int pendingSpaces = 0;
    for (int c = 0; c < widths.length; c++) {
      Cell cell = c < cells.size() ? cells.get(c) : new Cell("", UnaryOperator.identity());
      int pad = widths[c] - cell.text().length();
      boolean right = columns.get(c).right();
      pendingSpaces += (c == 0 ? 0 : GAP.length()) + (right ? pad : 0);
      if (!cell.text().isEmpty()) {
        line.repeat(' ', pendingSpaces).append(cell.styler().apply(cell.text()));
        pendingSpaces = 0;
      }
      pendingSpaces += right ? 0 : pad;
    }
    return line.toString();
  }

  /** Width of the paragraphs printed under tables. */
  public static final int NOTE_WIDTH = 100;

  /**
   * Prints a paragraph under a table: indented by two columns, wrapped at {@link #NOTE_WIDTH}
   * (a word longer than a line gets a line of its own), continuation lines indented by four so
   * they stand out from the next paragraph; each line passed through {@code styler}.
   */
  public static void note(PrintWriter out, String text, UnaryOperator<String> styler) {
    for (String line : wrap(text)) {
      out.println(styler.apply(line));
    }
  }

  /** The lines {@link #note} prints, unstyled. */
  static List<String> wrap(String text) {
    List<String> lines = new ArrayList<>();
    String indent = INDENT;
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (!line.isEmpty() && indent.length() + line.length() + 1 + word.length() > NOTE_WIDTH) {
        lines.add(indent + line);
        line.setLength(0);
        indent = INDENT + INDENT;
      }
      if (!line.isEmpty()) {
        line.append(' ');
      }
      line.append(word);
    }
    lines.add(indent + line);
    return lines;
  }

  /**
   * A cell whose text is styled after padding.
   *
   * @param text the plain text, used for alignment
   * @param styler applied to the text when printing, e.g. {@code style::green}
   */
  public record Styled(String text, UnaryOperator<String> styler) {}
}
