package org.referralexchange.testing.browser;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * One headless Chromium, driven through Debian's ChromeDriver, for one test class ({@link
 * RealBrowser}). The binaries are named explicitly, so Selenium Manager never runs and nothing is
 * downloaded; the profile is a fresh temporary folder, so no cookie outlives the class.
 */
public final class Browser implements AutoCloseable {

  public static final String CHROMIUM_PROPERTY = "browser.chromium";
  public static final String CHROMEDRIVER_PROPERTY = "browser.chromedriver";
  private static final Duration PAGE_LOAD_TIMEOUT = Duration.ofSeconds(60);

  private final ChromeDriver driver;
  private final Path profile;
  private final AxeCore axe = AxeCore.fromSystemProperties();

  private Browser(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  static Path chromium() {
    return Path.of(System.getProperty(CHROMIUM_PROPERTY, "/usr/bin/chromium"));
  }

  static Path chromedriver() {
    return Path.of(System.getProperty(CHROMEDRIVER_PROPERTY, "/usr/bin/chromedriver"));
  }

  /** What is missing for a real browser, or empty when both binaries are there. */
  static Optional<String> missing() {
    List<String> missing = new ArrayList<>();
    if (!Files.isExecutable(chromium())) {
      missing.add("Chromium at " + chromium() + " (Debian package chromium)");
    }
    if (!Files.isExecutable(chromedriver())) {
      missing.add("ChromeDriver at " + chromedriver() + " (Debian package chromium-driver)");
    }
    return missing.isEmpty()
        ? Optional.empty()
        : Optional.of(
            String.join(" and ", missing)
                + " not found; install them (.ci/run does, as root with apt-get) or set -D"
                + CHROMIUM_PROPERTY
                + " / -D"
                + CHROMEDRIVER_PROPERTY);
  }

  static Browser start() {
    Path profile;
    try {
      profile = Files.createTempDirectory("chromium-profile");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium().toFile());
    options.addArguments(
        "--headless=new",
        // As root (CI containers) Chromium refuses to start with its sandbox on.
        "--no-sandbox",
        // Containers give /dev/shm 64 MB; Chromium then crashes on larger pages.
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000",
        "--user-data-dir=" + profile,
        "--no-first-run",
        "--no-default-browser-check",
        // Nothing leaves the machine: no update checks, no field trials, no component downloads.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-features=Translate,OptimizationHints,MediaRouter");
    // ChromeDriver's own log only when asked for (-Dwebdriver.chrome.logfile=...): test classes
    // may run in several JVMs at once, and a shared default file would mix them.
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(chromedriver().toFile())
            .usingAnyFreePort()
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(PAGE_LOAD_TIMEOUT);
    driver.manage().timeouts().scriptTimeout(PAGE_LOAD_TIMEOUT);
    return new Browser(driver, profile);
  }

  public WebDriver driver() {
    return driver;
  }

  /** Opens {@code url} in the current tab and waits for the page to load. */
  public Browser open(String url) {
    driver.get(url);
    return this;
  }

  /** The page's visible text. */
  public String text() {
    return driver.findElement(By.tagName("body")).getText();
  }

  public String title() {
    return driver.getTitle();
  }

  public String url() {
    return driver.getCurrentUrl();
  }

  /** The element holding keyboard focus. */
  public WebElement focused() {
    return driver.switchTo().activeElement();
  }

  /**
   * Presses Tab, as a keyboard user would, until {@code target} holds focus; returns the elements
   * focused on the way (the target last). Starts where focus is: on a freshly loaded page, its top.
   * Fails after {@code limit} presses.
   */
  public List<WebElement> tabTo(WebElement target, int limit) {
    List<WebElement> path = new ArrayList<>();
    for (int presses = 1; presses <= limit; presses++) {
      new Actions(driver).sendKeys(Keys.TAB).perform();
      WebElement focused = focused();
      path.add(focused);
      if (focused.equals(target)) {
        return path;
      }
    }
    throw new AssertionError(
        "Tab did not reach " + describe(target) + " within " + limit + " presses");
  }

  /**
   * How many CSS pixels the page is wider than a window {@code width} pixels wide (0: it fits, no
   * sideways scrolling); the window's size is restored after.
   */
  public long overflowAt(int width) {
    Dimension before = driver.manage().window().getSize();
    try {
      driver.manage().window().setSize(new Dimension(width, before.getHeight()));
      Object overflow =
          driver.executeScript(
              "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
      return ((Number) overflow).longValue();
    } finally {
      driver.manage().window().setSize(before);
    }
  }

  /** Presses a key on whatever holds focus. */
  public void press(CharSequence key) {
    new Actions(driver).sendKeys(key).perform();
  }

  private static String describe(WebElement element) {
    return "<" + element.getTagName() + "> \"" + element.getText() + "\"";
  }

  /** axe-core's WCAG 2.1 AA rules, run in this page: fails on any serious or critical violation. */
  public void assertAccessible(String page) {
    axe.assertNoSeriousViolations(driver, page);
  }

  /** Whether axe-core could be found or installed; if not, why ({@link AxeCore#unavailable}). */
  public Optional<String> axeUnavailable() {
    return axe.unavailable();
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      deleteQuietly(profile);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      // A temporary profile left behind is harmless.
    }
  }
}
