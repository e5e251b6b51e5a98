package app;

import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.ProcessPool;
import io.gearbox.ProcessTaskHandle;
import java.util.List;

/**
 * A small program on every pool kind: each pool squares 1..4 and sums them (30), and the process
 * pool also reports which JVM ran its task. Prints one line per pool and "all pools ok" at the end;
 * exits 1 if a pool got another answer.
 */
public final class Main {

  private Main() {}

  /** Runs the check on every pool kind. */
  public static void main(String[] args) {
    List<Integer> xs = List.of(1, 2, 3, 4);
    boolean ok = true;
    try (Pool threads = Gearbox.threads(2);
        Pool virtual = Gearbox.virtual();
        Pool cpu = Gearbox.cpu();
        Pool auto = Gearbox.auto();
        ProcessPool processes = Gearbox.processes(2)) {
      for (Pool pool : List.of(threads, virtual, cpu, auto)) {
        int sum = pool.map(Squares::square, xs).mapToInt(Integer::intValue).sum();
        System.out.println(pool.kind() + ": " + sum);
        ok &= sum == 30;
      }
      // typed ProcessPool, so the method reference is made serializable
      int sum = processes.map(Squares::square, xs).mapToInt(Integer::intValue).sum();
      System.out.println(processes.kind() + ": " + sum);
      ok &= sum == 30;
      ProcessTaskHandle<Long> pid = processes.submit(() -> ProcessHandle.current().pid());
      boolean otherJvm = pid.join() != ProcessHandle.current().pid();
      System.out.println("process task ran in another JVM: " + otherJvm);
      ok &= otherJvm;
    }
    System.out.println(ok ? "all pools ok" : "WRONG ANSWER");
    if (!ok) {
      System.exit(1);
    }
  }
}
