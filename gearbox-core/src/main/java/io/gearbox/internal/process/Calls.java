package io.gearbox.internal.process;

import io.gearbox.TaskCodec;
import io.gearbox.TaskNotSerializableException;
import io.gearbox.internal.codec.JdkCodec;
import io.gearbox.internal.codec.SerializationPaths;
import io.gearbox.internal.codec.Values;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * Turns what a user submits into {@link RemoteCall}s, on the submitting thread: checks that the
 * pool is not broken, encodes the task (or a map's function and items) and checks that a worker
 * could load and would accept it, so a task that cannot be sent fails at submit, naming the class
 * and field path ({@link SerializationPaths}). The package of each task class is added to both
 * sides' allow-list, each side trusting it as {@link JdkCodec} describes. Thread-safe.
 */
final class Calls {

  private final String poolName;
  private final RemoteCall.Driver driver;
  private final WorkerSet workers;
  private final WorkerLaunch launch;
  private final TaskCodec codec;
  private final JdkCodec jdkCodec; // null with a custom codec

  Calls(String poolName, RemoteCall.Driver driver, WorkerSet workers, WorkerLaunch launch, TaskCodec codec,
      JdkCodec jdkCodec) {
    this.poolName = poolName;
    this.driver = driver;
    this.workers = workers;
    this.launch = launch;
    this.codec = codec;
    this.jdkCodec = jdkCodec;
  }

  /** Checks the pool, encodes the task on the caller's thread, and wraps it for a driver. */
  <T> RemoteCall<T> call(Callable<T> task, int maxRetries) {
    workers.throwIfBroken();
    byte[] bytes = encode(task, "task");
    return new RemoteCall<>(driver, Frames.CALL, task.getClass().getPackageName(), bytes, null, 0,
        maxRetries, task);
  }

  /** One batch of a map: the encoded function and items, never retried. */
  RemoteCall<List<Object>> batch(byte kind, String pkg, byte[] fnBytes, byte[] items, int count) {
    RemoteCall<List<Object>> call = new RemoteCall<>(driver, kind, pkg, fnBytes, items, count, 0,
        null);
    call.name = "map batch";
    return call;
  }

  /** Checks the pool and encodes a map's function, which must be serializable. */
  byte[] function(Function<?, ?> fn) {
    workers.throwIfBroken();
    if (!(fn instanceof Serializable)) {
      throw SerializationPaths.explain("the function", fn, new NotSerializableException(fn.getClass().getName()));
    }
    return encode(fn, "the function");
  }

  /** Encodes a batch of map items. */
  byte[] items(List<Object> chunk) {
    try {
      return Values.encodeBatch(chunk, codec);
    } catch (NotSerializableException e) {
      throw SerializationPaths.explain("map input", chunk, e);
    } catch (IOException | RuntimeException e) {
      throw new TaskNotSerializableException("map input could not be encoded: " + e,
          chunk.getClass().getName(), "map input", e);
    }
  }

  private byte[] encode(Object value, String what) {
    launch.check(poolName, value.getClass()); // a worker must be able to load it: else fail now, saying why
    try {
      if (jdkCodec == null) {
        return codec.encode(value);
      }
      Set<Class<?>> graph = new HashSet<>();
      byte[] bytes = jdkCodec.encodeRecording(value, graph);
      String pkg = value.getClass().getPackageName();
      refuseWhatAWorkerWould(value, what, pkg, graph);
      // what the caller accepts back from this task's package: its records, enums and
      // exceptions, the classes of the task's own graph and of its static result types. Other
      // packages stay refused unless allowed: a result type names no class into the allow-list.
      jdkCodec.allowTaskPackage(pkg);
      jdkCodec.allowClasses(graph.stream().filter(c -> c.getPackageName().equals(pkg))
          .map(Class::getName).toList());
      jdkCodec.allowClasses(ResultTypes.of(value).stream()
          .filter(name -> packageOf(name).equals(pkg)).toList());
      return bytes;
    } catch (IOException | RuntimeException | StackOverflowError e) {
      throw SerializationPaths.encodingFailed(what, value, e);
    }
  }

  private static String packageOf(String className) {
    int dot = className.lastIndexOf('.');
    return dot < 0 ? "" : className.substring(0, dot);
  }

  /**
   * Fails at submit, naming the class, if the task's graph holds a class a worker's allow-list
   * would refuse (another of the user's packages, say): it would fail in the worker otherwise.
   */
  private void refuseWhatAWorkerWould(Object value, String what, String pkg, Set<Class<?>> graph) {
    for (Class<?> c : graph) {
      if (!jdkCodec.workerAllows(c, pkg)) {
        Class<?> e = c;
        while (e.isArray()) {
          e = e.getComponentType();
        }
        throw new TaskNotSerializableException(what + " (" + value.getClass().getName()
            + ") holds a " + c.getName() + ", which a worker's allow-list refuses: a worker accepts"
            + " the task's own package (" + (pkg.isEmpty() ? "the unnamed package" : pkg)
            + "), JDK collections, java.time, java.math and io.gearbox; allow the class's package"
            + " with ProcessPoolBuilder.allowPackages(\"" + e.getPackageName() + "\")",
            value.getClass().getName(), what, null);
      }
    }
  }
}
