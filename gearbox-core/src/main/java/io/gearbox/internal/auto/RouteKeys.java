package io.gearbox.internal.auto;

import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The route key of an unnamed task: its class's name, made readable for lambdas and method
 * references, whose classes are hidden classes named like {@code Check5$$Lambda/0x0000000072054678}
 * (an address that says nothing and changes from run to run).
 *
 * <p>A lambda is named, once per class, where the JVM allows:
 * <ol>
 *   <li>a serializable lambda or method reference by its {@link SerializedLambda}: the method that
 *       implements it, e.g. {@code com.example.Report.render lambda$2} (the second lambda in
 *       {@code render}) or {@code com.example.Images::resize};
 *   <li>any other by the frame of its declaring class nearest to the submit that first met it,
 *       e.g. {@code com.example.Report.render(Report.java:42) lambda}: the JVM keeps no link from
 *       a lambda's class to its source method, but the code that submits a lambda is almost always
 *       in the class that wrote it;
 *   <li>else by its declaring class, {@code com.example.Report lambda}.
 * </ol>
 * Two lambdas never share a key: a name already given to another class gets {@code #2},
 * {@code #3}, ... Named classes keep their name, so {@code AutoPoolBuilder.route(Class, kind)}
 * still matches them.
 */
final class RouteKeys {

  private static final String LAMBDA_MARK = "$$Lambda";
  /** Frames looked at for the declaring class's frame: the submit is near the top. */
  private static final int FRAMES = 32;
  private static final StackWalker WALKER =
      StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
  /** Readable names given so far, process-wide, so that two lambdas never share one. */
  private static final Set<String> GIVEN = ConcurrentHashMap.newKeySet();

  /** Per class, its key once known (computed with the first instance seen). */
  private static final ClassValue<String[]> KEYS = new ClassValue<>() {
    @Override
    protected String[] computeValue(Class<?> type) {
      return new String[1];
    }
  };

  private RouteKeys() {}

  /** The route key of an unnamed task. */
  static String of(Object task) {
    Class<?> type = task.getClass();
    if (!type.isHidden()) {
      return type.getName();
    }
    String[] cell = KEYS.get(type);
    String key = cell[0];
    if (key == null) {
      synchronized (cell) {
        key = cell[0];
        if (key == null) {
          key = unique(readable(type, task));
          cell[0] = key;
        }
      }
    }
    return key;
  }

  private static String readable(Class<?> type, Object task) {
    String name = type.getName();
    int mark = name.indexOf(LAMBDA_MARK);
    if (mark <= 0) {
      return name; // another kind of hidden class: its name is all there is
    }
    String host = name.substring(0, mark);
    return serialized(type, task)
        .or(() -> submitFrame(host))
        .orElse(host + " lambda");
  }

  /** The implementation method of a serializable lambda or method reference. */
  private static Optional<String> serialized(Class<?> type, Object task) {
    if (!(task instanceof java.io.Serializable)) {
      return Optional.empty();
    }
    try {
      Method writeReplace = type.getDeclaredMethod("writeReplace");
      writeReplace.setAccessible(true);
      if (!(writeReplace.invoke(task) instanceof SerializedLambda lambda)) {
        return Optional.empty();
      }
      String implClass = lambda.getImplClass().replace('/', '.');
      String method = lambda.getImplMethodName();
      if (method.startsWith("lambda$")) {
        // lambda$render$2 (javac adds a hash for serializable ones: lambda$render$9f3c2a1e$1): a
        // lambda written in the method render, numbered from 0 in its class
        String[] parts = method.split("\\$");
        if (parts.length >= 3) {
          return Optional.of(implClass + "." + parts[1] + " lambda$" + parts[parts.length - 1]);
        }
        return Optional.of(implClass + "." + method);
      }
      return Optional.of(implClass + "::" + method);
    } catch (ReflectiveOperationException | RuntimeException inaccessible) {
      return Optional.empty(); // a module that does not open the package, a security manager
    }
  }

  /** The frame of the lambda's declaring class nearest to this submit. */
  private static Optional<String> submitFrame(String host) {
    return WALKER.walk(frames -> frames.limit(FRAMES)
        .filter(f -> f.getClassName().equals(host))
        .findFirst()
        .map(f -> host + "." + f.getMethodName() + "(" + f.getFileName() + ":"
            + f.getLineNumber() + ") lambda"));
  }

  private static String unique(String key) {
    if (GIVEN.add(key)) {
      return key;
    }
    for (int n = 2; ; n++) {
      String numbered = key + " #" + n;
      if (GIVEN.add(numbered)) {
        return numbered;
      }
    }
  }
}
