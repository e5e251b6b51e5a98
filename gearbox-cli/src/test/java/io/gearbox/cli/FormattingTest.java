package io.gearbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class FormattingTest {

  private static String render(Table table, Style style) {
    StringWriter text = new StringWriter();
    table.print(new PrintWriter(text, true), style);
    return text.toString();
  }

  @Test
  void tableAlignsColumnsAndTrimsTrailingSpace() {
    Table table = new Table().left("run").right("time").left("note")
        .row("sequential", "1.04 s", "x")
        .row("Gearbox.threads(10)", "0.11 s", "");

    assertThat(render(table, Style.PLAIN).lines()).containsExactly(
        "  run                    time  note",
        "  sequential           1.04 s  x",
        "  Gearbox.threads(10)  0.11 s");
  }

  @Test
  void noteWrapsWholeWordsWithinTheWidthAndIndentsContinuations() {
    String text = ("the seed measured threads against asyncio on one core; on the JVM there is"
        + " no GIL, so the CPU pool uses every core and the answer changes ").repeat(3)
        + "x".repeat(Table.NOTE_WIDTH + 5);
    StringWriter printed = new StringWriter();

    Table.note(new PrintWriter(printed, true), text, String::toUpperCase);

    java.util.List<String> lines = printed.toString().lines().toList();
    assertThat(lines).hasSizeGreaterThan(3);
    assertThat(lines.getFirst()).startsWith("  THE SEED").doesNotStartWith("   ");
    assertThat(lines.subList(1, lines.size())).allSatisfy(l ->
        assertThat(l).startsWith("    ").doesNotStartWith("     "));
    assertThat(lines.subList(0, lines.size() - 1)).allSatisfy(l ->
        assertThat(l.length()).isLessThanOrEqualTo(Table.NOTE_WIDTH));
    assertThat(lines.getLast().strip()).as("a word longer than a line stands alone")
        .isEqualTo("X".repeat(Table.NOTE_WIDTH + 5));
    assertThat(String.join(" ", lines.stream().map(String::strip).toList()))
        .isEqualTo(text.toUpperCase().replace("  ", " ").strip());
  }

  private static Table styledTable(Style style) {
    return new Table().left("a").right("b")
        .row(new Table.Styled("x", style::green), "1")
        .row("yyy", "22");
  }

  @Test
  void colourDoesNotBreakAlignment() {
    String plain = render(styledTable(Style.PLAIN), Style.PLAIN);
    String coloured = render(styledTable(Style.ANSI), Style.ANSI);

    assertThat(plain).doesNotContain("\u001b");
    assertThat(coloured).contains("\u001b[32mx\u001b[0m", "\u001b[1ma\u001b[0m");
    assertThat(coloured.replaceAll("\u001b\\[\\d+m", "")).isEqualTo(plain);
  }

  @Test
  void ceilingOfTheSeedsUnequalTasks() {
    assertThat(DemoCommand.ceiling(1)).isEqualTo(1.0);
    assertThat(DemoCommand.ceiling(2)).isEqualTo(10.0 / 6);
    assertThat(DemoCommand.ceiling(4)).isEqualTo(2.5);
    assertThat(DemoCommand.ceiling(64)).isEqualTo(2.5);
  }

  @Test
  void durationsReadWell() {
    assertThat(DemoCommand.secs(1_234_000_000L)).isEqualTo("1.23 s");
    assertThat(DemoCommand.human(1_000_000_000L)).isEqualTo("1 s");
    assertThat(DemoCommand.human(200_000_000L)).isEqualTo("200 ms");
    assertThat(DemoCommand.human(1_500_000L)).isEqualTo("1.5 ms");
  }
}
