package io.gearbox.internal.process;

import io.gearbox.Delays;
import io.gearbox.SerializableCallable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@link InvokeDrivesTest} and {@link JoinDrivesTest} share: waiting for live workers, and
 * marker files through which a task in a worker and the test thread tell each other where they are.
 */
final class CallerDrivesFixtures {

  private CallerDrivesFixtures() {}

  /** Waits until the pool has this many live workers (at start, or after a crash). */
  static ProcessPoolEngine awaitLive(ProcessPoolEngine p, int workers) {
    long end = System.nanoTime() + Delays.LONG.multipliedBy(3).toNanos();
    while (p.processStats().live() < workers) {
      if (System.nanoTime() > end) {
        p.shutdownNow();
        throw new AssertionError("no " + workers + " live workers within " + Delays.LONG.multipliedBy(3));
      }
      sleep(20);
    }
    return p;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** In a worker (or here): creates a marker file. */
  static void touch(String dir, String name) {
    try {
      Files.writeString(Path.of(dir, name), "x");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** In a test thread: waits for a marker file. */
  static void awaitFile(Path dir, String name) {
    long end = System.nanoTime() + Delays.LONG.toNanos();
    while (!Files.exists(dir.resolve(name))) {
      if (System.nanoTime() > end) {
        throw new AssertionError("no " + name + " within " + Delays.LONG);
      }
      sleep(5);
    }
  }

  /** A task that marks its start, then sleeps (interruptibly) until a marker file appears. */
  static SerializableCallable<String> blocking(String dir, String name) {
    return () -> {
      touch(dir, "started-" + name);
      while (!Files.exists(Path.of(dir, "go-" + name))) {
        Thread.sleep(5);
      }
      return "done";
    };
  }
}
