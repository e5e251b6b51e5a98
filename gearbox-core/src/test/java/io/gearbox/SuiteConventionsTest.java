package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * Keeps the suite honest: every test class registers the {@link Harness}, every test method is
 * named {@code subject_scenario}, and nothing is disabled.
 */
class SuiteConventionsTest {

  @RegisterExtension final Harness h = new Harness();

  private static List<Class<?>> testClasses() throws IOException, URISyntaxException,
      ClassNotFoundException {
    Path root = Path.of(SuiteConventionsTest.class.getProtectionDomain().getCodeSource()
        .getLocation().toURI());
    List<Class<?>> classes = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(p -> p.toString().endsWith("Test.class")).toList()) {
        String name = root.relativize(file).toString().replace('/', '.').replace(".class", "");
        classes.add(Class.forName(name));
      }
    }
    return classes;
  }

  private static boolean isTest(Method m) {
    return m.isAnnotationPresent(Test.class) || m.isAnnotationPresent(ParameterizedTest.class);
  }

  @Test
  void everyTestClass_registersTheHarness() throws Exception {
    List<Class<?>> classes = testClasses();
    assertThat(classes).hasSizeGreaterThan(10);
    for (Class<?> c : classes) {
      assertThat(c.getDeclaredFields())
          .as("%s registers the Harness as an instance @RegisterExtension field", c.getSimpleName())
          .anySatisfy((Field f) -> {
            assertThat(f.getType()).isEqualTo(Harness.class);
            assertThat(f.isAnnotationPresent(RegisterExtension.class)).isTrue();
            assertThat(Modifier.isStatic(f.getModifiers())).isFalse();
          });
    }
  }

  @Test
  void everyTestMethod_isNamedSubjectScenarioAndEnabled() throws Exception {
    for (Class<?> c : testClasses()) {
      assertThat(c.getAnnotations()).noneMatch(a -> a.annotationType().getSimpleName().equals("Disabled"));
      for (Method m : c.getDeclaredMethods()) {
        if (!isTest(m)) {
          continue;
        }
        assertThat(m.getName()).as("%s.%s", c.getSimpleName(), m.getName())
            .matches("[a-z][A-Za-z0-9]*_[a-z][A-Za-z0-9]*(_[a-z][A-Za-z0-9]*)?");
        assertThat(m.getAnnotations()).as("%s.%s", c.getSimpleName(), m.getName())
            .noneMatch(a -> a.annotationType().getSimpleName().startsWith("Disabled"));
      }
    }
  }

  @Test
  void delays_areScaledByTheOneFactor() {
    assertThat(Delays.FACTOR).isPositive();
    assertThat(Delays.LONG).isEqualTo(Delays.scaled(java.time.Duration.ofSeconds(10)));
    assertThat(Delays.SHORT).isLessThan(Delays.SMALL);
    assertThat(Delays.SMALL).isLessThan(Delays.LONG);
    assertThat(Delays.LONG).isLessThan(Delays.WEDGED);
  }
}
