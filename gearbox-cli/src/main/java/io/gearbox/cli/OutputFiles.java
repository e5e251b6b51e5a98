package io.gearbox.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The files a command writes when it is done ({@code --json}, {@code --html}), checked before it
 * starts: a benchmark that runs for minutes must not find out at the end that it cannot save its
 * results. A check makes the missing parent directories (they would be made anyway) and opens
 * the file for writing without changing it: an existing file is opened for appending and closed,
 * a new one is created and deleted again.
 */
public final class OutputFiles {

  private OutputFiles() {}

  /**
   * Why {@code file} cannot be written, as "{@code <path>: <the OS's reason>}", or null when it
   * can.
   */
  public static String problem(Path file) {
    Path target = file.toAbsolutePath();
    try {
      if (Files.isDirectory(target)) {
        return target + ": Is a directory";
      }
      Path parent = target.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (Files.exists(target)) {
        Files.newOutputStream(target, StandardOpenOption.WRITE, StandardOpenOption.APPEND).close();
      } else {
        Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        Files.delete(target);
      }
      return null;
    } catch (IOException e) {
      return reason(e);
    } catch (RuntimeException e) { // SecurityException, UnsupportedOperationException
      return target + ": " + Main.describe(e);
    }
  }

  /**
   * Checks each of {@code files} that was given: the first that cannot be written, as the one line
   * "cannot write {@code <flag> <file>}: {@code <path>}: {@code <reason>}", or null when all can.
   *
   * @param flagsAndFiles pairs of a flag ("--json") and its file (null when the flag is absent)
   */
  public static String check(Object... flagsAndFiles) {
    for (int i = 0; i < flagsAndFiles.length; i += 2) {
      Path file = (Path) flagsAndFiles[i + 1];
      if (file == null) {
        continue;
      }
      String problem = problem(file);
      if (problem != null) {
        return "cannot write " + flagsAndFiles[i] + " " + file + ": " + problem;
      }
    }
    return null;
  }

  /**
   * "{@code <path>: <reason>}" for a failed file operation: the JDK leaves the reason out of the
   * exceptions for the commonest errors (ENOENT, EACCES, EEXIST), so those get the OS's words back.
   */
  public static String reason(IOException e) {
    if (e instanceof FileSystemException fs) {
      String path = fs.getFile() != null ? fs.getFile() : "";
      String reason = fs.getReason();
      if (reason == null) {
        reason = switch (fs) {
          case NoSuchFileException x -> "No such file or directory";
          case AccessDeniedException x -> "Permission denied";
          case FileAlreadyExistsException x -> "Not a directory"; // createDirectories met a file
          case NotDirectoryException x -> "Not a directory";
          default -> fs.getClass().getSimpleName();
        };
      }
      return path.isEmpty() ? reason : path + ": " + reason;
    }
    return Main.describe(e);
  }
}
