package io.gearbox.internal.process;

import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * The classes a task's result may be made of, as far as its static types tell: the return type
 * of its {@code call} or {@code apply} method (for a lambda, of the method it was compiled to or
 * refers to), with the type arguments the signature keeps, and, for classes outside the JDK,
 * the types of their serialized fields, their superclasses and a sealed type's permitted
 * subclasses, transitively. What is found is allowed when the caller decodes the task's results
 * ({@link io.gearbox.internal.codec.JdkCodec#allowClasses}); an {@code Object}-typed or erased result tells nothing, and
 * then only what the allow-list allows anyway passes. Computed once per task class.
 */
final class ResultTypes {

  /** Enough for any real result type; a bound on what a pathological one costs. */
  private static final int MAX_CLASSES = 500;

  /** Per task class, filled from its first instance (a lambda's is needed to read it). */
  private static final ClassValue<java.util.concurrent.atomic.AtomicReference<Set<String>>> CACHE =
      new ClassValue<>() {
        @Override
        protected java.util.concurrent.atomic.AtomicReference<Set<String>> computeValue(Class<?> type) {
          return new java.util.concurrent.atomic.AtomicReference<>();
        }
      };

  private ResultTypes() {}

  /** The names of the non-JDK classes the task's result types name, for the allow-list. */
  static Set<String> of(Object task) {
    java.util.concurrent.atomic.AtomicReference<Set<String>> known = CACHE.get(task.getClass());
    Set<String> names = known.get();
    if (names == null) {
      names = Set.copyOf(compute(task));
      known.set(names);
    }
    return names;
  }

  private static Set<String> compute(Object task) {
    Set<Class<?>> found = new HashSet<>();
    try {
      Type returned = returnType(task);
      if (returned != null) {
        walk(returned, found);
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // nothing known: the default rule alone decides
    }
    Set<String> names = new HashSet<>();
    for (Class<?> c : found) {
      if (!c.isPrimitive() && !c.getPackageName().startsWith("java.")) {
        names.add(c.getName());
      }
    }
    return names;
  }

  private static Type returnType(Object task) throws ReflectiveOperationException {
    Class<?> taskClass = task.getClass();
    SerializedLambda lambda = serializedLambda(task);
    if (lambda != null) {
      ClassLoader loader = taskClass.getClassLoader();
      Class<?> impl = Class.forName(lambda.getImplClass().replace('/', '.'), false, loader);
      if (lambda.getImplMethodKind() == MethodHandleInfo.REF_newInvokeSpecial) {
        return impl; // Point::new
      }
      MethodType type = MethodType.fromMethodDescriptorString(lambda.getImplMethodSignature(), loader);
      for (Method m : impl.getDeclaredMethods()) {
        if (m.getName().equals(lambda.getImplMethodName())
            && MethodType.methodType(m.getReturnType(), m.getParameterTypes()).equals(type)) {
          return m.getGenericReturnType(); // keeps type arguments where the signature has them
        }
      }
      return type.returnType();
    }
    for (Method m : taskClass.getMethods()) {
      if (!m.isBridge() && !Modifier.isStatic(m.getModifiers())
          && ((m.getName().equals("call") && m.getParameterCount() == 0)
              || (m.getName().equals("apply") && m.getParameterCount() == 1))) {
        return m.getGenericReturnType();
      }
    }
    return null;
  }

  private static SerializedLambda serializedLambda(Object task) {
    Class<?> c = task.getClass();
    if (!c.isSynthetic() && !c.isHidden()) {
      return null;
    }
    try {
      Method writeReplace = c.getDeclaredMethod("writeReplace");
      writeReplace.setAccessible(true);
      return writeReplace.invoke(task) instanceof SerializedLambda l ? l : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static void walk(Type root, Set<Class<?>> found) {
    ArrayDeque<Type> todo = new ArrayDeque<>();
    todo.add(root);
    while (!todo.isEmpty() && found.size() < MAX_CLASSES) {
      Type t = todo.removeFirst();
      switch (t) {
        case Class<?> c when c.isArray() -> todo.add(c.getComponentType());
        case Class<?> c -> {
          if (c.isPrimitive() || !found.add(c) || c.getPackageName().startsWith("java.")) {
            continue;
          }
          for (Class<?> k = c; k != null && !k.getPackageName().startsWith("java."); k = k.getSuperclass()) {
            found.add(k);
            for (java.lang.reflect.Field f : k.getDeclaredFields()) {
              int mod = f.getModifiers();
              if (!Modifier.isStatic(mod) && !Modifier.isTransient(mod)) {
                todo.add(f.getGenericType());
              }
            }
          }
          if (c.isSealed()) {
            todo.addAll(java.util.List.of(c.getPermittedSubclasses()));
          }
        }
        case ParameterizedType p -> {
          todo.add(p.getRawType());
          todo.addAll(java.util.List.of(p.getActualTypeArguments()));
        }
        case WildcardType w -> {
          todo.addAll(java.util.List.of(w.getUpperBounds()));
          todo.addAll(java.util.List.of(w.getLowerBounds()));
        }
        case TypeVariable<?> v -> todo.addAll(java.util.List.of(v.getBounds()));
        case GenericArrayType g -> todo.add(g.getGenericComponentType());
        default -> { }
      }
    }
  }
}
