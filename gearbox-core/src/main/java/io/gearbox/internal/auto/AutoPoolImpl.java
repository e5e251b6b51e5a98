package io.gearbox.internal.auto;

import io.gearbox.AutoPool;
import io.gearbox.CarrierHog;
import io.gearbox.MapOptions;
import io.gearbox.Outcome;
import io.gearbox.PoolKind;
import io.gearbox.PoolStats;
import io.gearbox.Route;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import io.gearbox.internal.ExecutorPool;
import io.gearbox.internal.PoolConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The auto pool: the common engine ({@link ExecutorPool}: admission, states, deadlines, stats,
 * map, scopes, shutdown) over a {@link Router} that places each task. Every {@link
 * io.gearbox.Pool} method is the engine's; the routes and reports are the router's.
 *
 * <p>Public for io.gearbox.AutoPoolBuilder; not exported.
 */
public final class AutoPoolImpl implements AutoPool {

  private final Router router;
  private final ExecutorPool engine;

  /** Builds and starts an auto pool. */
  public AutoPoolImpl(AutoConfig config) {
    this.router = new Router(config);
    this.engine = new ExecutorPool(new PoolConfig(PoolKind.AUTO, config.name(), -1,
        config.maxInFlight(), config.saturation(), config.captureSubmitSite(), true), router);
  }

  @Override
  public List<Route> routes() {
    return router.routes();
  }

  @Override
  public Route route(String key) {
    return router.route(key);
  }

  @Override
  public List<CarrierHog> carrierHogs() {
    return router.carrierHogs();
  }

  @Override
  public int cpuThreads() {
    return router.cpuThreads();
  }

  @Override
  public String name() {
    return engine.name();
  }

  @Override
  public PoolKind kind() {
    return PoolKind.AUTO;
  }

  @Override
  public int parallelism() {
    return -1;
  }

  @Override
  public int defaultMapWindow() {
    return engine.defaultMapWindow();
  }

  @Override
  public <T> TaskHandle<T> submit(Callable<T> task) {
    return engine.submit(task);
  }

  @Override
  public <T> TaskHandle<T> submit(Callable<T> task, TaskOptions options) {
    return engine.submit(task, options);
  }

  @Override
  public <T> T invoke(Callable<T> task) {
    return engine.invoke(task);
  }

  @Override
  public <T, R> Stream<R> map(Function<? super T, ? extends R> fn, Iterable<? extends T> inputs) {
    return engine.map(fn, inputs);
  }

  @Override
  public <T, R> Stream<R> map(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options) {
    return engine.map(fn, inputs, options);
  }

  @Override
  public <T, R> Stream<R> mapUnordered(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options) {
    return engine.mapUnordered(fn, inputs, options);
  }

  @Override
  public <T, R> Stream<Outcome<R>> mapOutcomes(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options) {
    return engine.mapOutcomes(fn, inputs, options);
  }

  @Override
  public TaskScope openScope() {
    return engine.openScope();
  }

  @Override
  public ExecutorService asExecutorService() {
    return engine.asExecutorService();
  }

  @Override
  public PoolStats stats() {
    return engine.stats();
  }

  @Override
  public void shutdown() {
    engine.shutdown();
  }

  @Override
  public List<TaskHandle<?>> shutdownNow() {
    return engine.shutdownNow();
  }

  @Override
  public boolean isShutdown() {
    return engine.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return engine.isTerminated();
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return engine.awaitTermination(timeout);
  }

  @Override
  public void close() {
    engine.close();
  }

  @Override
  public boolean close(Duration grace) {
    return engine.close(grace);
  }

  @Override
  public String toString() {
    return "AutoPool[" + name() + ", " + (isShutdown() ? "shut down" : "running") + ", "
        + router.routes().size() + " routes]";
  }
}
