package io.gearbox.internal.codec;

import io.gearbox.TaskNotSerializableException;
import java.io.Serializable;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Finds, after serialization failed, the field path from a task to the value that cannot be
 * serialized (what {@code -Dsun.io.serialization.extendedDebugInfo} would print, without a JVM
 * flag): {@code task (Fetch).client (java.net.http.HttpClient)}. Walks fields reflectively,
 * captured arguments of serializable lambdas, and the elements of collections, maps and arrays.
 *
 * <p>Public for internal.process; not exported.
 */
public final class SerializationPaths {

  private static final int MAX_DEPTH = 64;

  private SerializationPaths() {}

  /**
   * The exception to throw when encoding {@code value} failed with {@code failure}: the field path
   * for a {@link java.io.NotSerializableException}, a {@link TaskNotSerializableException} (an
   * allow-list check) as it is, else what the codec said, or that the graph
   * was too deep for the stack. The one mapping of the process and cluster pools' encoders.
   */
  public static TaskNotSerializableException encodingFailed(String what, Object value,
      Throwable failure) {
    if (failure instanceof TaskNotSerializableException said) {
      return said; // already names the value and the reason (an allow-list check): not wrapped twice
    }
    if (failure instanceof java.io.NotSerializableException) {
      return explain(what, value, failure);
    }
    String type = value.getClass().getName();
    if (failure instanceof StackOverflowError) {
      return new TaskNotSerializableException(what + " (" + type + ") is an object graph too deep"
          + " to serialize (its encoding overflowed the stack)", type, what, failure);
    }
    return new TaskNotSerializableException(what + " (" + type + ") could not be encoded: "
        + failure, type, what, failure);
  }

  /** The exception to throw for a value that failed to encode. */
  public static TaskNotSerializableException explain(String what, Object root, Throwable cause) {
    Finding f = find(root, what, new IdentityHashMap<>(), 0);
    if (f == null) {
      String msg = what + " (" + root.getClass().getName() + ") cannot be serialized: " + cause;
      return new TaskNotSerializableException(msg, root.getClass().getName(), what, cause);
    }
    String hint = f.culprit.isSynthetic() || f.culprit.getName().contains("$$Lambda")
        ? ": a lambda must be serializable; submit it to a ProcessPool variable (whose overloads"
            + " take SerializableCallable / SerializableFunction) or cast it to"
            + " (Callable<T> & Serializable)"
        : ": " + f.culprit.getName() + " does not implement java.io.Serializable; make the field"
            + " transient, or pass what it is built from instead";
    return new TaskNotSerializableException(
        f.path + " is not serializable" + hint, f.culprit.getName(), f.path, cause);
  }

  private record Finding(String path, Class<?> culprit) {}

  private static Finding find(Object o, String path, Map<Object, Boolean> seen, int depth) {
    if (o == null || depth > MAX_DEPTH || seen.put(o, Boolean.TRUE) != null) {
      return null;
    }
    Class<?> c = o.getClass();
    String here = path + " (" + c.getName() + ")";
    if (!(o instanceof Serializable)) {
      return new Finding(here, c);
    }
    if (c.isArray()) {
      if (!c.getComponentType().isPrimitive()) {
        Object[] a = (Object[]) o;
        for (int i = 0; i < a.length; i++) {
          Finding f = find(a[i], path + "[" + i + "]", seen, depth + 1);
          if (f != null) {
            return f;
          }
        }
      }
      return null;
    }
    SerializedLambda lambda = serializedLambda(o);
    if (lambda != null) {
      for (int i = 0; i < lambda.getCapturedArgCount(); i++) {
        Finding f = find(lambda.getCapturedArg(i), here + ".captured[" + i + "]", seen, depth + 1);
        if (f != null) {
          return f;
        }
      }
      return null;
    }
    if (o instanceof Map<?, ?> m && c.getName().startsWith("java.")) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Finding f = find(e.getKey(), here + ".key(" + e.getKey() + ")", seen, depth + 1);
        if (f == null) {
          f = find(e.getValue(), here + ".get(" + e.getKey() + ")", seen, depth + 1);
        }
        if (f != null) {
          return f;
        }
      }
      return null;
    }
    if (o instanceof Collection<?> coll && c.getName().startsWith("java.")) {
      int i = 0;
      for (Object e : coll) {
        Finding f = find(e, here + "[" + i++ + "]", seen, depth + 1);
        if (f != null) {
          return f;
        }
      }
      return null;
    }
    for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
      for (Field field : k.getDeclaredFields()) {
        int mod = field.getModifiers();
        if (Modifier.isStatic(mod) || Modifier.isTransient(mod) || field.getType().isPrimitive()) {
          continue;
        }
        Object value;
        try {
          field.setAccessible(true);
          value = field.get(o);
        } catch (RuntimeException | IllegalAccessException e) {
          continue; // a JDK class we may not look into
        }
        Finding f = find(value, here + "." + field.getName(), seen, depth + 1);
        if (f != null) {
          return f;
        }
      }
    }
    return null;
  }

  private static SerializedLambda serializedLambda(Object o) {
    Class<?> c = o.getClass();
    if (!c.isSynthetic() && !c.getName().contains("$$Lambda")) {
      return null;
    }
    try {
      Method m = c.getDeclaredMethod("writeReplace");
      m.setAccessible(true);
      return m.invoke(o) instanceof SerializedLambda s ? s : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
