package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The exported API is what {@code docs/design.md} says it is: every public type of
 * {@code io.gearbox} has a row in its table ("The exported API, type by type") and every row is
 * a public type; and no exported class is open to subclassing by accident.
 */
class ExportedApiTest {

  @RegisterExtension final Harness h = new Harness();

  private static final Path DESIGN = Path.of("..", "docs", "design.md");

  /** The public top-level types of package io.gearbox, from the compiled classes. */
  private static List<Class<?>> exportedTypes() throws Exception {
    Path root = Path.of(Gearbox.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    try (Stream<Path> files = Files.list(root.resolve("io/gearbox"))) {
      List<Class<?>> types = new java.util.ArrayList<>();
      for (Path f : files.toList()) {
        String file = f.getFileName().toString();
        if (file.endsWith(".class") && !file.contains("$") && !file.equals("package-info.class")) {
          Class<?> c = Class.forName("io.gearbox." + file.substring(0, file.length() - 6));
          if (Modifier.isPublic(c.getModifiers())) {
            types.add(c);
          }
        }
      }
      return types;
    }
  }

  /** The type names in the first column of design.md's table of exported types. */
  private static Set<String> designTableTypes() throws IOException {
    String doc = Files.readString(DESIGN);
    int start = doc.indexOf("## The exported API, type by type");
    assertThat(start).as("design.md has the exported API section").isNotNegative();
    int end = doc.indexOf("\n## ", start + 1);
    Set<String> names = new TreeSet<>();
    Pattern cell = Pattern.compile("`([A-Z][A-Za-z]*)(<[A-Z]>)?`");
    for (String line : doc.substring(start, end < 0 ? doc.length() : end).split("\n")) {
      if (line.startsWith("| `")) {
        Matcher m = cell.matcher(line.split("\\|")[1]);
        while (m.find()) {
          names.add(m.group(1));
        }
      }
    }
    return names;
  }

  @Test
  void exportedTypes_areExactlyTheRowsOfTheDesignTable() throws Exception {
    Set<String> types = new TreeSet<>();
    for (Class<?> c : exportedTypes()) {
      types.add(c.getSimpleName());
    }
    assertThat(types).hasSizeGreaterThan(30);
    assertThat(designTableTypes())
        .as("docs/design.md's table of exported types (add a row for a new public type, or hide it)")
        .isEqualTo(types);
  }

  @Test
  void exportedTypes_onlyTheEntryPointsReferToInternals() throws Exception {
    // design.md: the doors into io.gearbox.internal are Gearbox, the builders' build() and
    // Profiler; every other exported type is a contract or a value. A compiled class names each
    // class it refers to in its constant pool, so the bytes tell.
    Path root = Path.of(Gearbox.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Set<String> referring = new TreeSet<>();
    try (Stream<Path> files = Files.list(root.resolve("io/gearbox"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String file = f.getFileName().toString();
        String topLevel = file.substring(0, file.length() - ".class".length()).split("\\$")[0];
        String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        if (bytes.contains("io/gearbox/internal/")) {
          referring.add(topLevel);
        }
      }
    }
    referring.retainAll(exportedTypes().stream().map(Class::getSimpleName).toList());
    assertThat(referring).containsExactlyInAnyOrder("Gearbox", "ThreadPoolBuilder",
        "ProcessPoolBuilder", "AutoPoolBuilder", "Profiler");
  }

  @Test
  void exportedClasses_areFinalOrSealed() throws Exception {
    for (Class<?> c : exportedTypes()) {
      if (!c.isInterface() && !c.isRecord() && !c.isEnum()) {
        assertThat(Modifier.isFinal(c.getModifiers()) || c.isSealed())
            .as("%s is final or sealed", c.getName()).isTrue();
      }
    }
  }
}
