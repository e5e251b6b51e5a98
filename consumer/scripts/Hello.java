import io.gearbox.Gearbox;
import io.gearbox.ProcessPool;
import io.gearbox.ProcessPoolBuilder;
import java.nio.file.Path;

/**
 * A single-file program, run as source: {@code java -cp gearbox-core.jar scripts/Hello.java}.
 * Its classes exist only in the launcher's memory, so no worker JVM can load its tasks and the
 * first submit says so. Given a directory with the same file compiled and Gearbox's jar
 * ({@code java -cp gearbox-core.jar scripts/Hello.java <classes> <gearbox-core.jar>}), the
 * workers get that class path and the task runs.
 */
public class Hello {
  public static void main(String[] args) {
    ProcessPoolBuilder b = Gearbox.processBuilder().workers(1);
    if (args.length == 2) {
      b.classPath(Path.of(args[0]), Path.of(args[1]));
    }
    try (ProcessPool pool = b.build()) {
      System.out.println("hello from pid " + pool.submit(() -> ProcessHandle.current().pid()).join());
    }
  }
}
