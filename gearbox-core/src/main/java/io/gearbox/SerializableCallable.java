package io.gearbox;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A {@link Callable} that can be sent to a worker process. A lambda or method reference passed
 * where one is expected is compiled as serializable, so {@code processes.submit(() -> work(x))}
 * just works; the values it captures must be serializable too.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface SerializableCallable<T> extends Callable<T>, Serializable {}
