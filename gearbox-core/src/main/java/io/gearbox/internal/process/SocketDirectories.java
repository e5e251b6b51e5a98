package io.gearbox.internal.process;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pools' socket directories in the temp directory, named {@code gearbox-<owner pid>-<random>}
 * with mode 0700, and their cleanup: a pool deletes its own on close; a shutdown hook deletes the
 * ones of pools never closed when the JVM exits normally; and the first pool a JVM starts sweeps
 * away the ones whose owner is dead (killed by SIGKILL, say, which runs no hook). Thread-safe.
 */
final class SocketDirectories {

  static final String SOCKET_NAME = "pool.sock";
  /** The workers' output spools ({@code w<id>.out}, {@code w<id>.err}): see Worker's readSpool. */
  private static final Pattern SPOOL = Pattern.compile("w\\d+\\.(out|err)");
  private static final Pattern NAME = Pattern.compile("gearbox-(\\d+)-\\d+");
  private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();
  private static final AtomicBoolean HOOKED = new AtomicBoolean();
  private static final AtomicBoolean SWEPT = new AtomicBoolean();

  private SocketDirectories() {}

  /**
   * Creates a fresh socket directory owned by this JVM, after sweeping stale ones once per JVM.
   */
  static Path create() throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    if (SWEPT.compareAndSet(false, true)) {
      sweep(tmp);
    }
    if (HOOKED.compareAndSet(false, true)) {
      Runtime.getRuntime().addShutdownHook(new Thread(
          () -> List.copyOf(OPEN).forEach(SocketDirectories::delete), "gearbox-socket-cleanup"));
    }
    Path dir = Files.createTempDirectory(tmp, "gearbox-" + ProcessHandle.current().pid() + "-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    OPEN.add(dir);
    return dir;
  }

  /**
   * Deletes a pool's directory with its socket and its workers' output spools; a directory left
   * behind is harmless.
   */
  static void delete(Path dir) {
    try {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        for (Path e : entries) {
          if (isOurs(e.getFileName().toString())) {
            Files.deleteIfExists(e);
          }
        }
      }
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // not empty, or already gone: harmless
    }
    OPEN.remove(dir);
  }

  /**
   * Deletes the socket directories in {@code tmp} whose owner process is dead. Only directories
   * named like ours, owned by this user, holding nothing but a socket and output spools are touched; an owner pid
   * now used by a process started after the directory was last changed counts as dead.
   *
   * @return how many were deleted
   */
  static int sweep(Path tmp) {
    int deleted = 0;
    String me = System.getProperty("user.name");
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, "gearbox-*-*")) {
      for (Path dir : dirs) {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        try {
          BasicFileAttributes attrs = Files.readAttributes(dir, BasicFileAttributes.class,
              LinkOption.NOFOLLOW_LINKS);
          if (!attrs.isDirectory() || !Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(me)
              || ownerAlive(Long.parseLong(m.group(1)), attrs.lastModifiedTime().toInstant())
              || !holdsOnlyOurFiles(dir)) {
            continue;
          }
          delete(dir);
          if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            deleted++;
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile, or not ours to judge: leave it
        }
      }
    } catch (IOException | RuntimeException e) {
      // an unreadable temp directory: nothing to sweep
    }
    return deleted;
  }

  private static boolean ownerAlive(long pid, Instant dirChanged) {
    Optional<ProcessHandle> owner = ProcessHandle.of(pid);
    if (owner.isEmpty() || !owner.get().isAlive()) {
      return false;
    }
    // a pid reused by a process that started after the directory was made is not its owner
    return owner.get().info().startInstant().map(start -> !start.isAfter(dirChanged)).orElse(true);
  }

  private static boolean isOurs(String fileName) {
    return fileName.equals(SOCKET_NAME) || SPOOL.matcher(fileName).matches();
  }

  private static boolean holdsOnlyOurFiles(Path dir) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path e : entries) {
        if (!isOurs(e.getFileName().toString())) {
          return false;
        }
      }
    }
    return true;
  }
}
