package io.gearbox.examples;

import io.gearbox.Gearbox;
import io.gearbox.Pool;
import java.util.List;

/**
 * The seed's multiprocessing example: {@code compute_heavy(1..4)} sequentially, then on the CPU
 * pool with {@code pool.map}. The JVM has no GIL, so the CPU pool is plain threads in this one
 * process, one per core: no worker processes, no pickling, one heap.
 *
 * <pre>
 * java -cp ... io.gearbox.examples.SeedMultiprocessing [scale]
 * </pre>
 *
 * <p>{@code scale} multiplies the seed's loop (default 50): the JIT runs the seed's size so fast
 * that there would be little to measure.
 */
public final class SeedMultiprocessing {

  private SeedMultiprocessing() {}

  public static void main(String[] args) {
    double scale = args.length > 0 ? Double.parseDouble(args[0]) : 50;
    run(scale);
  }

  /**
   * Runs both versions, prints both times and returns the parallel results.
   *
   * @throws IllegalStateException if the two versions disagree
   */
  public static List<Long> run(double scale) {
    List<Integer> inputs = List.of(1, 2, 3, 4); // range(1, 5)

    // Sequential
    long start = System.nanoTime();
    List<Long> expected = inputs.stream().map(n -> Workloads.computeHeavy(n, scale)).toList();
    System.out.printf("Sequential: %.2fs%n", (System.nanoTime() - start) / 1e9);

    // Parallel: with Pool(processes=4) as pool: pool.map(compute_heavy, range(1, 5))
    start = System.nanoTime();
    List<Long> results;
    try (Pool pool = Gearbox.cpu()) {
      results = pool.map(n -> Workloads.computeHeavy(n, scale), inputs).toList();
    }
    System.out.printf("Parallel: %.2fs (%d cores)%n",
        (System.nanoTime() - start) / 1e9, Runtime.getRuntime().availableProcessors());

    if (!results.equals(expected)) {
      throw new IllegalStateException("parallel " + results + " != sequential " + expected);
    }
    return results;
  }
}
