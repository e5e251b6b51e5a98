package io.gearbox.cli.bench;

import io.gearbox.cli.OutputFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** {@code gearbox bench report}: tables and one HTML page from saved {@code --json} files. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    header = "Prints saved --json results again and draws them on one HTML page.")
final class ReportBench implements Callable<Integer> {

  @Spec CommandSpec spec;

  @ParentCommand BenchCommand bench;

  @Parameters(paramLabel = "JSON", arity = "1..*", description = "Files written by --json.")
  List<Path> files;

  @Option(names = "--html", paramLabel = "FILE",
      description = "Write one page with the charts of every file.")
  Path html;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String unwritable = OutputFiles.check("--html", html);
    if (unwritable != null) {
      err.println("gearbox: " + unwritable);
      return 1;
    }
    List<JsonNode> docs = new ArrayList<>();
    for (Path file : files) {
      try {
        JsonNode doc = Report.JSON.readTree(Files.readString(file));
        if (!Report.SCHEMA.equals(doc.path("schema").asString())) {
          err.println("gearbox: " + file + " is not a gearbox bench result (no \"schema\": \""
              + Report.SCHEMA + "\")");
          return 1;
        }
        docs.add(doc);
      } catch (IOException | JacksonException e) {
        err.println("gearbox: cannot read " + file + ": " + e.getMessage());
        return 1;
      }
    }
    for (JsonNode doc : docs) {
      Report.print(doc, out, bench != null ? bench.style() : io.gearbox.cli.Style.PLAIN);
      out.println();
    }
    if (html != null) {
      try {
        WorkloadBench.write(html, HtmlReport.render(docs));
        out.println("HTML written to " + html);
      } catch (IOException e) {
        err.println("gearbox: could not write --html " + html + ": " + OutputFiles.reason(e));
        return 1;
      }
    }
    out.flush();
    return 0;
  }
}
