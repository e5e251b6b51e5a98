package io.gearbox;

import static io.gearbox.Harness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Pool#map} and its variants on every kind of pool: laziness over a ten-million-element
 * generator, order, unordered delivery, collecting every outcome, fail-fast and closing.
 */
class MapTest {

  private static final int TEN_MILLION = 10_000_000;

  @RegisterExtension final Harness h = new Harness();

  private final CountDownLatch never = new CountDownLatch(1);

  /** A generator of 0, 1, 2, … that counts how many elements were pulled from it. */
  private static final class CountingInputs implements Iterable<Integer> {
    final int size;
    final AtomicLong pulled = new AtomicLong();

    CountingInputs(int size) {
      this.size = size;
    }

    @Override
    public Iterator<Integer> iterator() {
      return new Iterator<>() {
        int next;

        @Override
        public boolean hasNext() {
          return next < size;
        }

        @Override
        public Integer next() {
          if (next >= size) {
            throw new NoSuchElementException();
          }
          pulled.incrementAndGet();
          return next++;
        }
      };
    }
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void map_tenMillionInputs_pullsStayWithinTheWindowAheadOfConsumption(PoolKind kind) {
    int window = 8;
    CountingInputs inputs = new CountingInputs(TEN_MILLION);
    try (Pool pool = h.pool(kind);
        Stream<Integer> results = pool.map(x -> x * 2, inputs, MapOptions.defaults().withWindow(window))) {
      assertThat(inputs.pulled.get()).as("nothing is read before the first result is asked for")
          .isZero();
      Iterator<Integer> it = results.iterator();
      for (int consumed = 1; consumed <= 200; consumed++) {
        assertThat(it.next()).isEqualTo((consumed - 1) * 2);
        assertThat(inputs.pulled.get()).as("pulled after consuming %d", consumed)
            .isLessThanOrEqualTo(consumed + window);
      }
    }
    assertThat(inputs.pulled.get()).isLessThanOrEqualTo(200 + window);
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void map_firstFewOfTenMillionInputs_completeWithoutReadingThemAll(PoolKind kind) {
    CountingInputs inputs = new CountingInputs(TEN_MILLION);
    List<Integer> firstFive;
    try (Pool pool = h.pool(kind)) {
      try (Stream<Integer> results = pool.map(x -> x + 1, inputs)) {
        firstFive = results.limit(5).toList();
      }
      assertThat(inputs.pulled.get()).isLessThanOrEqualTo(5 + pool.defaultMapWindow());
    }
    assertThat(firstFive).containsExactly(1, 2, 3, 4, 5);
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void mapUnordered_tenMillionInputs_isLazyToo(PoolKind kind) {
    CountingInputs inputs = new CountingInputs(TEN_MILLION);
    try (Pool pool = h.pool(kind);
        Stream<Integer> results = pool.mapUnordered(x -> x, inputs, MapOptions.defaults().withWindow(4))) {
      assertThat(results.limit(10).toList()).hasSize(10).allSatisfy(x -> assertThat(x).isLessThan(14));
    }
    assertThat(inputs.pulled.get()).isLessThanOrEqualTo(14);
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void map_laterItemsFinishFirst_resultsStillComeInInputOrder(PoolKind kind) {
    int n = 8;
    CountDownLatch lastDone = new CountDownLatch(1);
    try (Pool pool = h.pool(kind);
        Stream<Integer> results = pool.map(i -> {
          try {
            if (i == 0) {
              Harness.await(lastDone); // the first item finishes only after the last one
            }
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          if (i == n - 1) {
            lastDone.countDown();
          }
          return i * 10;
        }, range(n), MapOptions.defaults().withWindow(n))) {
      assertThat(results.toList()).containsExactly(0, 10, 20, 30, 40, 50, 60, 70);
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void mapUnordered_resultsComeAsTheyComplete(PoolKind kind) throws Exception {
    int n = 8;
    CountDownLatch othersConsumed = new CountDownLatch(1);
    List<Integer> received = new ArrayList<>();
    try (Pool pool = h.pool(kind);
        Stream<Integer> results = pool.mapUnordered(i -> {
          if (i == 0) {
            try {
              Harness.await(othersConsumed); // held back until the consumer has the other seven
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
          }
          return i;
        }, range(n), MapOptions.defaults().withWindow(n))) {
      Iterator<Integer> it = results.iterator();
      while (it.hasNext()) {
        received.add(it.next());
        if (received.size() == n - 1) {
          othersConsumed.countDown();
        }
      }
    }
    assertThat(received).hasSize(n).containsExactlyInAnyOrderElementsOf(range(n));
    assertThat(received.getLast()).isZero();
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void mapOutcomes_someItemsThrow_collectsEveryFailureInOrder(PoolKind kind) {
    List<Outcome<Integer>> outcomes;
    try (Pool pool = h.pool(kind)) {
      try (Stream<Outcome<Integer>> results = pool.mapOutcomes(i -> {
        if (i % 3 == 0) {
          throw new IllegalArgumentException("bad " + i);
        }
        return i;
      }, range(30), MapOptions.defaults().withWindow(5))) {
        outcomes = results.toList();
      }
      assertThat(pool.stats().failed()).isEqualTo(10);
      assertThat(pool.stats().succeeded()).isEqualTo(20);
    }
    assertThat(outcomes).hasSize(30);
    for (int i = 0; i < 30; i++) {
      Outcome<Integer> outcome = outcomes.get(i);
      if (i % 3 == 0) {
        assertThat(outcome).isInstanceOf(Outcome.Failure.class);
        Outcome.Failure<Integer> failure = (Outcome.Failure<Integer>) outcome;
        assertThat(failure.state()).isEqualTo(TaskState.FAILED);
        assertThat(failure.error()).isInstanceOf(IllegalArgumentException.class).hasMessage("bad " + i);
      } else {
        assertThat(outcome).isEqualTo(new Outcome.Success<>(i));
        assertThat(outcome.state()).isEqualTo(TaskState.SUCCEEDED);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void map_oneItemFails_cancelsTheRestAndThrowsTheCause(PoolKind kind) {
    int window = Harness.TEST_THREADS;
    CountingInputs inputs = new CountingInputs(1_000);
    CountDownLatch othersStarted = new CountDownLatch(window - 1);
    AtomicInteger interrupted = new AtomicInteger();
    IllegalStateException boom = new IllegalStateException("boom");
    try (Pool pool = h.pool(kind)) {
      try (Stream<Integer> results = pool.map(i -> {
        try {
          if (i == 0) {
            Harness.await(othersStarted);
            throw boom;
          }
          othersStarted.countDown();
          never.await();
          return i;
        } catch (InterruptedException e) {
          interrupted.incrementAndGet();
          throw new IllegalStateException("interrupted", e);
        }
      }, inputs, MapOptions.defaults().withWindow(window))) {
        Throwable thrown = catchThrowable(results::toList);
        assertThat(thrown).isInstanceOf(TaskFailedException.class);
        assertThat(thrown.getCause()).isSameAs(boom);
      }
      assertThat(inputs.pulled.get()).as("no input is read after the failure").isEqualTo(window);
      eventually().until(() -> interrupted.get() == window - 1);
      // a cancel interrupts the runner before it counts the transition (as FutureTask does), so
      // the counts are exact once the pool is idle (PoolStats), not when the tasks see the interrupt
      eventually().until(() -> pool.stats().running() == 0 && pool.stats().queued() == 0);
      PoolStats stats = pool.stats();
      assertThat(stats.failed()).isEqualTo(1);
      assertThat(stats.cancelled()).isEqualTo(window - 1);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void mapUnordered_oneItemFails_cancelsTheRestAndThrowsTheCause(PoolKind kind) {
    CountDownLatch othersStarted = new CountDownLatch(2);
    IllegalStateException boom = new IllegalStateException("boom");
    try (Pool pool = h.pool(kind)) {
      try (Stream<Integer> results = pool.mapUnordered(i -> {
        if (i == 0) {
          try {
            Harness.await(othersStarted);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          throw boom;
        }
        othersStarted.countDown();
        try {
          never.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException("interrupted", e);
        }
        return i;
      }, range(3), MapOptions.defaults().withWindow(3))) {
        Throwable thrown = catchThrowable(results::toList);
        assertThat(thrown).isInstanceOf(TaskFailedException.class);
        assertThat(thrown.getCause()).isSameAs(boom);
      }
      eventually().until(() -> pool.stats().cancelled() == 2);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void map_streamClosedEarly_cancelsTheTasksInFlight(PoolKind kind) throws Exception {
    Set<Integer> interrupted = ConcurrentHashMap.newKeySet();
    CountDownLatch blockedStarted = new CountDownLatch(3);
    try (Pool pool = h.pool(kind)) {
      try (Stream<Integer> results = pool.map(i -> {
        if (i == 0) {
          return 0;
        }
        blockedStarted.countDown();
        try {
          never.await();
        } catch (InterruptedException e) {
          interrupted.add(i);
        }
        return i;
      }, range(4), MapOptions.defaults().withWindow(4))) {
        Iterator<Integer> it = results.iterator();
        assertThat(it.next()).isZero();
        Harness.await(blockedStarted);
      }
      eventually().until(() -> interrupted.size() == 3);
      assertThat(pool.stats().cancelled()).isEqualTo(3);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void map_itemPassesItsDeadline_streamThrowsTaskTimeout(PoolKind kind) {
    try (Pool pool = h.pool(kind);
        Stream<Integer> results = pool.map(i -> {
          if (i == 1) {
            try {
              never.await();
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
          }
          return i;
        }, range(3), MapOptions.defaults().withTaskTimeout(Delays.SMALL))) {
      assertThatThrownBy(results::toList).isInstanceOf(TaskTimeoutException.class);
      assertThat(pool.stats().timedOut()).isEqualTo(1);
    } finally {
      never.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void map_windowLargerThanThePoolBound_stillCompletes(PoolKind kind) {
    try (Pool pool = h.pool(kind, b -> b.maxInFlight(2).saturation(Saturation.REJECT));
        Stream<Integer> results = pool.map(i -> i, range(100), MapOptions.defaults().withWindow(50))) {
      assertThat(results.toList()).isEqualTo(range(100));
      assertThat(pool.stats().rejected()).as("map waits for room whatever the policy").isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void map_poolShutDownNowMidStream_surfacesTheCancellation(PoolKind kind) throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    Pool pool = h.pool(kind);
    try (Stream<Integer> results = pool.map(i -> {
      started.countDown();
      try {
        never.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return i;
    }, range(1), MapOptions.defaults().withWindow(1))) {
      // One input: with two, the stopper could shut the pool down before the second was
      // admitted, and the stream would rightly report PoolClosedException instead.
      h.startThread("stopper", () -> {
        Harness.await(started);
        pool.shutdownNow();
      });
      assertThatThrownBy(results::toList).isInstanceOf(CancellationException.class);
    } finally {
      never.countDown();
      pool.close();
    }
  }

  @ParameterizedTest
  @EnumSource(value = PoolKind.class, names = {"THREADS", "VIRTUAL", "CPU", "AUTO"})
  void map_nullArguments_throwNullPointerException(PoolKind kind) {
    try (Pool pool = h.pool(kind)) {
      assertThatThrownBy(() -> pool.map(null, range(1))).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> pool.map(x -> x, null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> pool.map(x -> x, range(1), null))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> pool.mapUnordered(x -> x, null, MapOptions.defaults()))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> pool.mapOutcomes(null, range(1), MapOptions.defaults()))
          .isInstanceOf(NullPointerException.class);
      // a null element is passed to the function
      assertThat(pool.map(x -> x == null ? "null" : "value", java.util.Arrays.asList(1, null)).toList())
          .containsExactly("value", "null");
    }
  }
}
