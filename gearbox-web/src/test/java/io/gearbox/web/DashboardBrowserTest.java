package io.gearbox.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gearbox.AutoPool;
import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.PoolKind;
import io.gearbox.ProcessPool;
import io.gearbox.TaskOptions;
import io.gearbox.testing.Delays;
import io.gearbox.testing.Leaks;
import io.gearbox.testing.Work;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromium-driver, driven by
 * Selenium; never downloaded): while the test drives load on a CPU pool, a virtual pool, an auto
 * pool and a process pool, the page shows every pool, numbers that change, the auto pool's route
 * table with each reason, a carrier hog with its stack, and the process workers by pid.
 */
@ServerTest
class DashboardBrowserTest {

  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  private static final Pool CPU = Gearbox.cpuBuilder().name("crunch").threads(2).build();
  private static final Pool IO = Gearbox.virtualBuilder().name("fetch").build();
  private static final AutoPool AUTO = Gearbox.autoBuilder().name("router").probeRuns(2)
      .route("hog", PoolKind.VIRTUAL).build();
  private static final ProcessPool PROCESSES = Gearbox.processBuilder().name("isolated")
      .workers(1).build();

  private final WebServer server;

  DashboardBrowserTest(WebServer server) {
    this.server = server;
  }

  @SetUpRoute
  static void routing(HttpRouting.Builder routing) {
    routing.register("/gearbox", GearboxDashboard.of(CPU, IO, AUTO, PROCESSES));
  }

  @AfterAll
  static void closePools() throws Exception {
    CPU.close();
    IO.close();
    AUTO.close();
    PROCESSES.close();
    Leaks.check();
  }

  private static ChromeDriver chrome() {
    for (String binary : List.of(CHROMIUM, CHROMEDRIVER)) {
      assertThat(new File(binary)).as("%s is missing: install Debian's chromium and "
          + "chromium-driver (./gearbox test does)", binary).canRead();
    }
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--disable-background-networking", "--disable-extensions",
        "--disable-default-apps", "--no-first-run", "--window-size=1400,2400");
    return new ChromeDriver(service, options);
  }

  /** Drives load on every pool until stopped; what it throws fails the test. */
  private static final class Load implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = new ArrayList<>();

    Load() {
      drive("crunch", () -> {
        List<io.gearbox.TaskHandle<Long>> burst = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          burst.add(CPU.submit(() -> Work.spin(Duration.ofMillis(5))));
        }
        burst.forEach(io.gearbox.TaskHandle::join);
      });
      drive("fetch", () -> IO.submit(() -> Work.nap(Duration.ofMillis(20))).join());
      drive("router", () -> {
        AUTO.submit(() -> Work.nap(Duration.ofMillis(10)), TaskOptions.named("download")).join();
        AUTO.submit(() -> Work.spin(Duration.ofMillis(10)), TaskOptions.named("resize")).join();
      });
      drive("isolated", () -> PROCESSES.invoke(() -> 6 * 7));
    }

    private void drive(String name, ThrowingRunnable step) {
      threads.add(Thread.ofPlatform().name("load-" + name).start(() -> {
        try {
          while (!stop.get()) {
            step.run();
            Thread.sleep(5);
          }
        } catch (Throwable t) {
          failures.add(t);
        }
      }));
    }

    @Override
    public void close() throws Exception {
      stop.set(true);
      for (Thread t : threads) {
        t.join(Delays.LONG.toMillis());
        assertThat(t.isAlive()).as("load thread %s ended", t.getName()).isFalse();
      }
      assertThat(failures).as("failures while driving load").isEmpty();
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static WebElement card(ChromeDriver chrome, String pool) {
    return chrome.findElement(By.cssSelector("section.pool[data-pool='" + pool + "']"));
  }

  private static String number(ChromeDriver chrome, String pool, String field) {
    return card(chrome, pool).findElement(By.cssSelector(".num." + field + " b")).getText();
  }

  /** The text of the first element matching {@code css}, read in one script call, or null. */
  private static String text(ChromeDriver chrome, String css) {
    return (String) chrome.executeScript(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
  }

  @Test
  void page_underLoad_showsPoolsRoutesHogsAndWorkersLive() throws Exception {
    ChromeDriver chrome = chrome();
    try (Load load = new Load()) {
      chrome.get("http://127.0.0.1:" + server.port() + "/gearbox/");
      // the page updates itself: wait for what it should come to show (elements may be replaced
      // between a find and a read, so a failed look is simply tried again)
      ConditionFactory wait = await().atMost(Delays.scaled(Duration.ofSeconds(20)))
          .pollInterval(Duration.ofMillis(100)).ignoreExceptions();
      wait.until(() -> chrome.findElements(By.cssSelector("section.pool")).size() == 4);
      assertThat(chrome.findElements(By.cssSelector("section.pool h2 .name")))
          .extracting(WebElement::getText)
          .containsExactly("crunch", "fetch", "router", "isolated");
      assertThat(chrome.findElement(By.id("status")).getText()).isEqualTo("live");

      // numbers that change: the CPU pool's submitted count grows between snapshots
      wait.until(() -> !number(chrome, "crunch", "submitted").equals("-"));
      String first = number(chrome, "crunch", "submitted");
      wait.until(() -> !number(chrome, "crunch", "submitted").equals(first));
      wait.until(() -> !number(chrome, "crunch", "submittedPerSecond").equals("0"));
      wait.until(() -> !number(chrome, "fetch", "run").equals("-"));
      assertThat(card(chrome, "crunch").findElement(By.cssSelector(".barlabel.share")).getText())
          .startsWith("CPU vs waiting: ");

      // the auto pool's route table, with each key's reason (the page rebuilds these parts as
      // they change, so each is read in one script call, never through a held element)
      String router = "section.pool[data-pool='router'] ";
      wait.untilAsserted(() -> {
        assertThat(text(chrome, router + "tr[data-key='resize'] td.reason"))
            .doesNotStartWith("probing").contains("->").contains("cpu");
        assertThat(text(chrome, router + "tr[data-key='resize'] td.target")).startsWith("cpu");
        assertThat(text(chrome, router + "tr[data-key='download'] td.reason"))
            .doesNotStartWith("probing").contains("->").contains("virtual");
      });

      // a carrier hog: a virtual-thread task that computes without parking
      long giveUp = System.nanoTime() + Delays.LONG.toNanos();
      AUTO.submit(() -> {
        long x = 0;
        while (AUTO.carrierHogs().isEmpty() && System.nanoTime() < giveUp) {
          x += Work.spin(Duration.ofMillis(10));
        }
        return x;
      }, TaskOptions.named("hog")).join();
      assertThat(AUTO.carrierHogs()).as("the auto pool reported the hog").isNotEmpty();
      wait.untilAsserted(() -> {
        assertThat(text(chrome, router + "details.hog summary")).startsWith("hog: hog on gearbox-");
        assertThat(text(chrome, router + "details.hog pre.stack")).contains("DashboardBrowserTest");
      });

      // the process pool's worker, by pid
      long pid = PROCESSES.workerPids().getFirst();
      String isolated = "section.pool[data-pool='isolated'] ";
      wait.untilAsserted(() -> {
        assertThat(text(chrome, isolated + "table.workers td.pid")).isEqualTo(Long.toString(pid));
        assertThat(text(chrome, isolated + ".extra h3")).contains("1 of 1 live");
      });
      // for a person to look at: target/dashboard.png
      java.nio.file.Files.write(java.nio.file.Path.of("target", "dashboard.png"),
          chrome.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
    } finally {
      chrome.quit();
    }
  }
}
