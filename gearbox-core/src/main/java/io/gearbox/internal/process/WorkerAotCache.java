package io.gearbox.internal.process;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The workers' ahead-of-time cache (JDK 25, JEP 483/514/515): the classes a worker loads, linked,
 * with profiles, recorded by one worker's life and mapped by every later worker, so that a worker
 * reaches its handshake sooner. On by default wherever the JVM can record one.
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>When.</b> By default for a pool whose workers run this JVM's own {@code java} (a 25 or
 * later) with a class path (or module path) of files only: the JVM records no cache for a
 * non-empty directory on it, which is how a build tool runs tests. Off when the system property
 * {@code gearbox.aotCache} is {@code false}, and when the pool's JVM options already choose a
 * class-data or AOT archive ({@code -XX:AOTMode=off}, {@code -XX:AOTCache=..}, {@code -Xshare:..},
 * {@code -XX:SharedArchiveFile=..}): the user's choice wins. {@code ProcessPoolBuilder.aotCache(file)}
 * names the file (then also with another {@code java}).
 *
 * <p><b>Where, keyed by what.</b> In a per-user cache directory ({@code $XDG_CACHE_HOME} or
 * {@code ~/.cache}, {@code ~/Library/Caches}, {@code %LOCALAPPDATA%}, then {@code gearbox/aot};
 * or the system property {@code gearbox.aotCacheDir}), created 0700 and used only if it belongs to
 * this user and nobody else can write to it: a cache is code the workers run. The file is named by
 * a hash of the JVM (its home and version), the worker's command line (flags, class path,
 * main class; not {@code -XX:ActiveProcessorCount}, which depends on the pool's size and which
 * the JVM does not check) and each class-path file's size and modification time, so a rebuilt
 * jar or another flag gets a cache of its own instead of one the JVM would refuse.
 *
 * <p><b>Recording.</b> A pool whose first worker finds no cache starts one more worker beside it
 * that records one ({@code -XX:AOTCacheOutput}) into a temporary file of its own, if it wins the
 * {@code .lock} file (created exclusively; one left by a dead process or older than 10 minutes is
 * taken over), so two pools, in one JVM or in two, never record the same cache at once. The
 * recorder runs none of the user's tasks: after its handshake it runs one {@link RecorderTask}
 * and is asked to exit, so the cache holds the worker's start-up and Gearbox's side of a call.
 * (The JVM loads and links every class of a cache while it starts; a user task's classes in it
 * made every later worker start slower than with no cache at all, as what they refer to was
 * looked up along the whole class path before the handshake.) The JVM writes the cache as the
 * recorder exits (a few seconds of CPU, in the background; a pool's close waits for it, once
 * per cache); then the temporary file is moved into place atomically, so a reader sees a whole
 * cache or none. The pool's workers meanwhile start without one. A new default cache prunes the
 * directory to the {@link #KEEP} most recently used caches (a worker that maps one touches it)
 * and deletes recordings abandoned for an hour (their pool's JVM died before it could move them).
 *
 * <p><b>Stale or corrupt.</b> The JVM checks a cache's header and class path and ignores one that
 * does not match; its warnings are switched off ({@code -Xlog:aot*=off,cds*=off}) so none reaches
 * the user's output, and so are the messages a recording worker prints about writing the cache
 * ({@link #isRecorderMessage}). A worker started from the cache that dies before its handshake
 * makes the pool delete the cache, stop using it and start that worker again without it: the
 * cache never costs a worker its start.
 *
 * <p>Thread-safe.
 */
final class WorkerAotCache {

  /** System property: {@code false} turns the default cache off. */
  static final String ENABLED_PROPERTY = "gearbox.aotCache";
  /** System property: the directory of the default caches. */
  static final String DIR_PROPERTY = "gearbox.aotCacheDir";
  /** The JVM's cache warnings and errors, which would otherwise reach the workers' output. */
  static final String QUIET = "-Xlog:aot*=off,cds*=off";
  /** A recording lock older than this is taken over. */
  static final Duration STALE_LOCK = Duration.ofMinutes(10);

  /** JVM options that choose an archive themselves: with one of them the pool adds none. */
  private static final List<String> USER_ARCHIVE_OPTIONS = List.of("-XX:AOT", "-Xshare",
      "-XX:SharedArchiveFile", "-XX:+AutoCreateSharedArchive", "-XX:ArchiveClassesAtExit");
  /** The lines a recording JVM prints, unasked, while it writes the cache at its exit. */
  private static final List<String> RECORDER_MESSAGES = List.of("Temporary AOTConfiguration recorded",
      "Launching child process", "Picked up JAVA_TOOL_OPTIONS", "Reading AOTConfiguration",
      "AOTCache creation is complete", "Removed temporary AOT configuration file");

  /** No cache: workers start without one. */
  static final WorkerAotCache OFF = new WorkerAotCache(null, "off");

  /** How one worker is started. */
  record Use(List<String> flags, Path cache, Path recording) {
    static final Use NONE = new Use(List.of(), null, null);

    /** Whether this worker records the cache (written when it exits). */
    boolean records() {
      return recording != null;
    }

    /** Whether this worker maps the cache. */
    boolean usesCache() {
      return cache != null;
    }
  }

  private final Path file;
  private final String why;
  private final AtomicBoolean recorderStarted = new AtomicBoolean();
  private volatile boolean discarded;
  /** The recording worker's use, once one started. */
  private volatile Use recorder;
  private boolean recordingHandled; // guarded by this

  private WorkerAotCache(Path file, String why) {
    this.file = file;
    this.why = why;
  }

  /**
   * The cache for a pool's workers.
   *
   * @param explicit the file {@code ProcessPoolBuilder.aotCache(..)} named, or null for the default
   * @param userJava whether the pool runs a {@code java} the user named instead of this JVM's
   * @param jvmOptions the user's JVM options
   * @param command the worker's command line without its per-worker flag and arguments
   */
  static WorkerAotCache forPool(Path explicit, boolean userJava, List<String> jvmOptions,
      List<String> command) {
    if (explicit != null) {
      return new WorkerAotCache(explicit.toAbsolutePath(), "ProcessPoolBuilder.aotCache(..)");
    }
    if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY, "true").trim())) {
      return new WorkerAotCache(null, "turned off by -D" + ENABLED_PROPERTY + "=false");
    }
    if (userJava) {
      return new WorkerAotCache(null, "the workers run another java");
    }
    if (Runtime.version().feature() < 25) {
      return new WorkerAotCache(null, "JDK " + Runtime.version().feature() + " has no AOT cache");
    }
    for (String o : jvmOptions) {
      for (String prefix : USER_ARCHIVE_OPTIONS) {
        if (o.startsWith(prefix)) {
          return new WorkerAotCache(null, "the JVM options choose an archive (" + o + ")");
        }
      }
    }
    List<Path> files = classPathFiles(command);
    if (files == null) {
      return new WorkerAotCache(null, "a directory on the class path (the JVM records no cache then)");
    }
    Path dir = defaultDirectory();
    if (dir == null) {
      return new WorkerAotCache(null, "no private cache directory");
    }
    return new WorkerAotCache(dir.resolve("worker-" + key(command, files) + ".aot"), "default");
  }

  /** The cache file, or null when off. */
  Path file() {
    return file;
  }

  /** Why the cache is off, or where it came from. */
  String why() {
    return why;
  }

  /**
   * The flags for the next worker: map the cache if there is one; else record it if no other
   * worker or pool is recording it; else none.
   */
  Use next() {
    if (file == null || discarded) {
      return Use.NONE;
    }
    try {
      if (Files.isRegularFile(file) && Files.size(file) > 0) {
        touch(file); // recently used: kept when old caches are pruned
        return new Use(List.of(QUIET, "-XX:AOTCache=" + file), file, null);
      }
    } catch (IOException e) {
      return Use.NONE;
    }
    if (!recorderStarted.compareAndSet(false, true) || !lock()) {
      return Use.NONE;
    }
    Path recording = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid()
        + "-" + System.nanoTime() + ".tmp.aot");
    Use use = new Use(List.of(QUIET, "-XX:AOTCacheOutput=" + recording), null, recording);
    recorder = use;
    return use;
  }

  /**
   * Called once the recording worker has exited (or with null if none was started): moves the
   * cache it wrote into place (if it exited normally and wrote one) and releases the lock.
   * Idempotent.
   */
  void recorded(Process process) {
    Use use = recorder;
    if (use == null || (process != null && process.isAlive())) {
      return;
    }
    synchronized (this) {
      if (recordingHandled) {
        return;
      }
      recordingHandled = true;
      Path tmp = use.recording();
      try {
        if (process != null && process.exitValue() == 0 && Files.isRegularFile(tmp)
            && Files.size(tmp) > 0) {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          if (why.equals("default")) {
            prune(file.getParent());
          }
        }
      } catch (IOException | RuntimeException e) {
        // no cache this time: the next pool records again
      }
      deleteQuietly(tmp);
      deleteQuietly(tmp.resolveSibling(tmp.getFileName() + ".config"));
      deleteQuietly(lockFile()); // ours: taken in next(), released once, here
    }
  }

  /**
   * A worker started from the cache died before its handshake: the cache may be the cause, so it
   * is deleted and this pool starts its workers without one from now on.
   */
  void failed(Use use) {
    if (use.usesCache()) {
      discarded = true;
      deleteQuietly(use.cache());
    }
  }

  /** Whether a line a recording worker printed at its exit is the JVM's note about the cache. */
  static boolean isRecorderMessage(String line) {
    for (String m : RECORDER_MESSAGES) {
      if (line.startsWith(m)) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- recording lock

  private Path lockFile() {
    return file.resolveSibling(file.getFileName() + ".lock");
  }

  /** Takes the recording lock: a file created exclusively, holding the owner's pid. */
  private boolean lock() {
    Path lock = lockFile();
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        Files.createDirectories(file.getParent());
        Files.writeString(lock, Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII,
            java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        if (!isStale(lock)) {
          return false;
        }
        deleteQuietly(lock);
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }
    return false;
  }

  private static boolean isStale(Path lock) {
    try {
      FileTime modified = Files.getLastModifiedTime(lock);
      if (modified.toMillis() < System.currentTimeMillis() - STALE_LOCK.toMillis()) {
        return true;
      }
      long pid = Long.parseLong(Files.readString(lock, StandardCharsets.US_ASCII).trim());
      return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    } catch (IOException | NumberFormatException e) {
      return false; // being written, or unreadable: leave it
    }
  }

  // ---------------------------------------------------------------- key and directory

  /** The class and module path entries of a command, or null if one is not a file. */
  private static List<Path> classPathFiles(List<String> command) {
    List<Path> files = new ArrayList<>();
    for (int i = 0; i + 1 < command.size(); i++) {
      String a = command.get(i);
      if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path") || a.equals("-p")
          || a.equals("--module-path")) {
        for (String e : command.get(i + 1).split(File.pathSeparator)) {
          if (e.isEmpty()) {
            continue;
          }
          Path p = Path.of(e);
          if (!Files.isRegularFile(p)) {
            return null;
          }
          files.add(p);
        }
      }
    }
    return files;
  }

  /**
   * A hash of what the JVM checks a cache against, and of what it only half checks (a jar
   * rebuilt with the same size), so a changed input means another file.
   */
  static String key(List<String> command, List<Path> files) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      // 2: recorded without the user's tasks (a cache of 1 may hold them: a slower start)
      StringBuilder s = new StringBuilder("gearbox-worker-aot-2\n");
      s.append(System.getProperty("java.home")).append('\n');
      s.append(System.getProperty("java.vm.version")).append('\n');
      for (String a : command) {
        if (!a.startsWith("-XX:ActiveProcessorCount=")) {
          s.append(a).append('\n');
        }
      }
      for (Path p : files) {
        s.append(p.toAbsolutePath()).append(' ').append(Files.size(p)).append(' ')
            .append(Files.getLastModifiedTime(p).toMillis()).append('\n');
      }
      byte[] h = d.digest(s.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 12);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot name the AOT cache: " + e, e);
    }
  }

  /** The per-user cache directory, created private; null if none is usable. */
  static Path defaultDirectory() {
    String configured = System.getProperty(DIR_PROPERTY);
    Path dir;
    if (configured != null && !configured.isBlank()) {
      dir = Path.of(configured);
    } else {
      String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
      String home = System.getProperty("user.home");
      String xdg = System.getenv("XDG_CACHE_HOME");
      String local = System.getenv("LOCALAPPDATA");
      Path base;
      if (os.contains("win")) {
        base = local != null && !local.isBlank() ? Path.of(local) : null;
      } else if (os.contains("mac")) {
        base = home == null ? null : Path.of(home, "Library", "Caches");
      } else {
        base = xdg != null && xdg.startsWith("/") ? Path.of(xdg)
            : home == null ? null : Path.of(home, ".cache");
      }
      if (base == null) {
        return null;
      }
      dir = base.resolve("gearbox").resolve("aot");
    }
    try {
      dir = dir.toAbsolutePath();
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir.getParent());
        try {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
              PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
          Files.createDirectory(dir); // not POSIX: the user's own local app data
        } catch (FileAlreadyExistsException e) {
          // created meanwhile by another pool
        }
      }
      return isPrivate(dir) ? dir : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Whether a directory is this user's and nobody else may write to it. */
  private static boolean isPrivate(Path dir) throws IOException {
    PosixFileAttributes a;
    try {
      a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (UnsupportedOperationException e) {
      return true; // not POSIX
    }
    Set<PosixFilePermission> p = a.permissions();
    String me = System.getProperty("user.name");
    return a.isDirectory() && a.owner().getName().equals(me)
        && !p.contains(PosixFilePermission.GROUP_WRITE) && !p.contains(PosixFilePermission.OTHERS_WRITE);
  }

  /** Default caches kept per directory, the most recently used; a rebuilt jar makes a new one. */
  static final int KEEP = 8;

  /**
   * Deletes all but the {@link #KEEP} most recently used default caches, and recordings abandoned
   * for an hour.
   */
  static void prune(Path dir) {
    List<Path> caches = new ArrayList<>();
    try (var files = Files.newDirectoryStream(dir, "worker-*")) {
      files.forEach(caches::add);
    } catch (IOException e) {
      return;
    }
    // a recording whose pool never moved it into place (its JVM died first) is garbage after a
    // while; one in progress is minutes old at most
    long abandoned = System.currentTimeMillis() - STALE_LOCK.toMillis() * 6;
    caches.stream().filter(p -> p.getFileName().toString().contains(".tmp"))
        .filter(p -> modified(p).toMillis() < abandoned).forEach(WorkerAotCache::deleteQuietly);
    caches.removeIf(p -> p.getFileName().toString().contains(".tmp")
        || !p.getFileName().toString().endsWith(".aot")); // and the locks
    caches.sort(java.util.Comparator.comparing(WorkerAotCache::modified).reversed());
    caches.stream().skip(KEEP).forEach(WorkerAotCache::deleteQuietly);
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  private static void touch(Path p) {
    try {
      Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis()));
    } catch (IOException e) {
      // read-only: pruning may then take it first
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // left behind: harmless, overwritten or taken over later
    }
  }

  @Override
  public String toString() {
    return file == null ? "no AOT cache (" + why + ")" : "AOT cache " + file + " (" + why + ")";
  }
}
