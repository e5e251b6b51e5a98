package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workers' AOT cache with real worker JVMs: recorded beside a first pool, by a worker JVM that
 * runs no task, and mapped by the next,
 * one recorder when two pools start at once, the opt-outs, a corrupt cache ignored without a word
 * on the output, and a worker that dies starting from the cache started again without it. The
 * JVM records caches only for class paths of jars, so the workers here run from one jar holding
 * Gearbox and these tests (a build's class directories turn the default off).
 */
class ProcessAotCacheTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir static Path shared;
  @TempDir Path dir;

  private static Path jar;

  @BeforeAll
  static void packWorkerJar() throws Exception {
    jar = shared.resolve("worker.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (Class<?> c : List.of(Gearbox.class, ProcessAotCacheTest.class)) {
        Path root = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(root)) {
          for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
            String name = root.relativize(f).toString().replace('\\', '/');
            if (name.startsWith("META-INF/") || name.equals("module-info.class")) {
              continue; // one manifest, no module: the workers run on the class path
            }
            out.putNextEntry(new JarEntry(name));
            Files.copy(f, out);
            out.closeEntry();
          }
        }
      }
    }
  }

  /** In a worker: its command line and whether the JVM mapped an archive ("sharing"). */
  static String describeWorker() {
    return ProcessHandle.current().info().commandLine().orElse("?") + " | vm.info="
        + System.getProperty("java.vm.info");
  }

  private ProcessPoolBuilder builder() {
    return Gearbox.processBuilder().workers(1).replayOutput(false).classPath(jar);
  }

  private static String runIn(ProcessPool pool) {
    return pool.submit((SerializableCallable<String>) ProcessAotCacheTest::describeWorker).join();
  }

  private static List<String> filesIn(Path d) throws IOException {
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Runs with the default caches in a directory of the test's own. */
  private static void withCacheDir(Path cacheDir, String enabled, Harness.ThrowingRunnable body)
      throws Throwable {
    String oldDir = System.getProperty("gearbox.aotCacheDir");
    String oldEnabled = System.getProperty("gearbox.aotCache");
    System.setProperty("gearbox.aotCacheDir", cacheDir.toString());
    if (enabled != null) {
      System.setProperty("gearbox.aotCache", enabled);
    }
    try {
      body.run();
    } finally {
      restore("gearbox.aotCacheDir", oldDir);
      restore("gearbox.aotCache", oldEnabled);
    }
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }

  @Test
  void defaultCache_recordedBesideTheFirstPool_mappedByTheNext() throws Throwable {
    Path cacheDir = dir.resolve("cache");
    withCacheDir(cacheDir, null, () -> {
      try (ProcessPool first = builder().build()) {
        assertThat(runIn(first)).as("the pool's worker starts without a cache while one is recorded")
            .doesNotContain("-XX:AOT");
        assertThat(first.processStats().spawned()).as("the recorder is not one of the workers")
            .isEqualTo(1);
      }
      List<String> files = filesIn(cacheDir);
      assertThat(files).as("one whole cache, no lock or temporary file left").hasSize(1);
      assertThat(files.getFirst()).matches("worker-[0-9a-f]{24}\\.aot");
      Path cache = cacheDir.resolve(files.getFirst());
      assertThat(Files.size(cache)).isPositive();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cacheDir)))
          .isEqualTo("rwx------");
      assertRecordsGearboxAlone(cache);

      try (ProcessPool next = builder().build()) {
        String worker = runIn(next);
        assertThat(worker).contains("-XX:AOTCache=" + cache)
            .doesNotContain("AOTCacheOutput").contains("sharing");
      }
      assertThat(filesIn(cacheDir)).isEqualTo(files);
    });
  }

  /**
   * The cache holds the worker's start-up (its main class) and Gearbox's own call (the task its
   * recorder runs), and no user's task class: the JVM loads and links every class of a cache as
   * it starts, and a user's classes there would pull what they refer to in along the class path
   * before the handshake. Class names are stored in the cache as they are in class files.
   */
  private static void assertRecordsGearboxAlone(Path cache) throws IOException {
    String bytes = new String(Files.readAllBytes(cache), StandardCharsets.ISO_8859_1);
    assertThat(bytes).contains("io/gearbox/internal/process/WorkerMain",
            "io/gearbox/internal/process/RecorderTask")
        .doesNotContain(ProcessAotCacheTest.class.getName().replace('.', '/'));
  }

  @Test
  void recordingACache_prunesTheLeastRecentlyUsedAndAbandonedRecordings() throws Throwable {
    Path cacheDir = dir.resolve("cache");
    Files.createDirectories(cacheDir);
    long now = System.currentTimeMillis();
    for (int i = 0; i < 9; i++) { // older and older
      Path old = Files.write(cacheDir.resolve(String.format("worker-%024d.aot", i)), new byte[] {1});
      Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(now - 86_400_000L * (i + 1)));
    }
    Path abandoned = Files.write(cacheDir.resolve("worker-x.aot.1-2.tmp.aot"), new byte[] {1});
    Files.setLastModifiedTime(abandoned, java.nio.file.attribute.FileTime.fromMillis(now - 7_200_000L));
    Path recent = Files.write(cacheDir.resolve("worker-y.aot.3-4.tmp.aot"), new byte[] {1});
    withCacheDir(cacheDir, null, () -> {
      try (ProcessPool first = builder().build()) {
        assertThat(runIn(first)).doesNotContain("-XX:AOT");
      }
    });
    List<String> left = filesIn(cacheDir);
    assertThat(left).as("the new cache and the 7 most recently used old ones, and a recent recording")
        .hasSize(9).contains(recent.getFileName().toString())
        .doesNotContain(abandoned.getFileName().toString(), "worker-000000000000000000000007.aot",
            "worker-000000000000000000000008.aot")
        .contains("worker-000000000000000000000000.aot", "worker-000000000000000000000006.aot");
  }

  @Test
  void twoPoolsStartingAtOnce_onlyOneRecords() throws Throwable {
    Path cacheDir = dir.resolve("cache");
    Set<Long> recorders = ConcurrentHashMap.newKeySet();
    AtomicBoolean watching = new AtomicBoolean(true);
    // a recorder lives from its start through writing the cache (seconds): a look every 5 ms
    // sees each one. Children only: a recorder's JVM starts a child of its own with the same
    // flags to write the cache as it exits
    Thread watcher = h.startThread("recorders", () -> {
      while (watching.get()) {
        ProcessHandle.current().children()
            .filter(p -> p.info().commandLine().orElse("").contains("-XX:AOTCacheOutput=" + cacheDir))
            .forEach(p -> recorders.add(p.pid()));
        Thread.sleep(5);
      }
    });
    withCacheDir(cacheDir, null, () -> {
      String a;
      String b;
      try (ProcessPool one = builder().build(); ProcessPool two = builder().build()) {
        a = runIn(one);
        b = runIn(two);
      } finally {
        watching.set(false);
        Harness.join(watcher);
      }
      assertThat(Stream.of(a, b)).as("the pools' own workers").noneMatch(s -> s.contains("-XX:AOT"));
      assertThat(recorders).as("recording processes seen").hasSize(1);
      assertThat(filesIn(cacheDir)).hasSize(1).allMatch(f -> f.matches("worker-[0-9a-f]{24}\\.aot"));
    });
  }

  @Test
  void optOuts_noCacheRecordedOrMapped() throws Throwable {
    Path cacheDir = dir.resolve("cache");
    withCacheDir(cacheDir, "false", () -> {
      try (ProcessPool pool = builder().build()) {
        assertThat(runIn(pool)).doesNotContain("-XX:AOT");
      }
    });
    withCacheDir(cacheDir, null, () -> {
      try (ProcessPool pool = builder().jvmOptions("-Xshare:auto").build()) {
        assertThat(runIn(pool)).doesNotContain("-XX:AOT").contains("sharing");
      }
    });
    assertThat(filesIn(cacheDir)).isEmpty();
  }

  @Test
  void corruptCache_isIgnoredWithoutAWordOnTheOutput() throws Throwable {
    Path cache = dir.resolve("corrupt.aot");
    byte[] junk = new byte[4096];
    new java.util.Random(3).nextBytes(junk);
    Files.write(cache, junk);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream err = System.err;
    System.setErr(new PrintStream(new TeeStream(err, captured), true, StandardCharsets.UTF_8));
    try (ProcessPool pool = builder().replayOutput(true).aotCache(cache).build()) {
      String worker = runIn(pool);
      assertThat(worker).contains("-XX:AOTCache=" + cache).doesNotContain("sharing");
      assertThat(pool.processStats().spawnFailures()).isZero();
    } finally {
      System.setErr(err);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContainIgnoringCase("aot")
        .doesNotContain("shared spaces");
  }

  @Test
  void workerThatDiesStartingFromTheCache_isStartedAgainWithoutIt() throws Throwable {
    // a java that fails whenever it is asked to map an AOT cache: the pool cannot tell this from
    // a cache that crashes the JVM, and must neither fail the start nor keep the cache
    Path java = dir.resolve("java-without-aot");
    Files.writeString(java, "#!/bin/sh\ncase \"$*\" in *-XX:AOTCache=*) echo 'cache trouble' >&2; exit 1;; esac\n"
        + "exec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
    Path cache = dir.resolve("suspect.aot");
    Files.write(cache, new byte[] {1, 2, 3});
    try (ProcessPool pool = builder().javaCommand(java).aotCache(cache).build()) {
      assertThat(runIn(pool)).doesNotContain("-XX:AOT");
      assertThat(pool.processStats().spawnFailures()).isZero();
      assertThat(pool.processStats().broken()).isFalse();
    }
    assertThat(cache).doesNotExist();
  }

  @Test
  void poolClosedAsItsRecorderStarts_stillLeavesAWholeCache() throws Throwable {
    Path cacheDir = dir.resolve("cache");
    withCacheDir(cacheDir, null, () -> {
      try (ProcessPool pool = builder().build()) {
        // closed once the recorder's process exists, before its handshake in all likelihood
        Harness.eventually().pollInterval(java.time.Duration.ofMillis(2)).until(() ->
            ProcessHandle.current().descendants().anyMatch(p ->
                p.info().commandLine().orElse("").contains("-XX:AOTCacheOutput=" + cacheDir)));
      }
      List<String> files = filesIn(cacheDir);
      assertThat(files).as("one whole cache, no lock or temporary file left").hasSize(1)
          .allMatch(f -> f.matches("worker-[0-9a-f]{24}\\.aot"));
      assertRecordsGearboxAlone(cacheDir.resolve(files.getFirst()));
    });
  }

  @Test
  void recorderThatCannotRecord_costsThePoolNothing() throws Throwable {
    // a java that fails whenever it is asked to record a cache
    Path java = dir.resolve("java-that-cannot-record");
    Files.writeString(java, "#!/bin/sh\ncase \"$*\" in *-XX:AOTCacheOutput=*) echo 'no recording' >&2; exit 1;; esac\n"
        + "exec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
    Path cacheDir = dir.resolve("cache");
    Files.createDirectories(cacheDir);
    Path cache = cacheDir.resolve("named.aot");
    try (ProcessPool pool = builder().javaCommand(java).aotCache(cache).build()) {
      assertThat(runIn(pool)).doesNotContain("-XX:AOT");
      assertThat(pool.processStats().spawnFailures()).isZero();
      assertThat(pool.processStats().broken()).isFalse();
    }
    assertThat(filesIn(cacheDir)).as("no cache, no lock, no temporary file").isEmpty();
  }

  /** A codec of the user's that knows only the user's classes, and says so with an error. */
  public static final class UserClassesOnlyCodec implements TaskCodec {
    private final TaggedCodec codec = new TaggedCodec();

    @Override
    public byte[] encode(Object value) throws IOException {
      if (value.getClass().getName().startsWith("io.gearbox.internal.")) {
        throw new AssertionError("unexpected type " + value.getClass().getName());
      }
      return codec.encode(value);
    }

    @Override
    public Object decode(byte[] bytes) throws IOException, ClassNotFoundException {
      return codec.decode(bytes);
    }
  }

  @Test
  void codecThatRefusesGearboxsOwnTask_poolWorks_andTheStartUpAloneIsRecorded() throws Throwable {
    Path cache = dir.resolve("named.aot");
    try (ProcessPool pool = builder().codec(UserClassesOnlyCodec.class).aotCache(cache).build()) {
      assertThat(runIn(pool)).doesNotContain("-XX:AOT");
      assertThat(pool.processStats().spawnFailures()).isZero();
    }
    String bytes = new String(Files.readAllBytes(cache), StandardCharsets.ISO_8859_1);
    assertThat(bytes).contains("io/gearbox/internal/process/WorkerMain")
        .doesNotContain("io/gearbox/internal/process/RecorderTask");
  }

  /** Writes to two streams. */
  private static final class TeeStream extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    TeeStream(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int x) throws IOException {
      a.write(x);
      b.write(x);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
