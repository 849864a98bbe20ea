package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.cli.Console;
import dev.llmwatcher.cli.Main;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.ElasticsearchProxy;
import dev.llmwatcher.testing.StderrCapture;
import dev.llmwatcher.testing.TestCluster;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster going away or refusing the credentials in the middle of a command-line run: the run ends with one
 * clear error and exit status 1 (the guard timeout catches an engine thread that never ends), nothing is lost, and a
 * later run finishes every document exactly once. The faults come from a proxy in front of the real cluster
 * ({@link ElasticsearchProxy}); one subclass per engine. A failing check of the queue's index template (which the
 * watcher installs on both engines) lets the pass finish and ends the run with one error.
 */
@Timeout(180)
abstract class AbstractOutageTest {

    private static final int DOCUMENTS = 200;

    protected final TestCluster es = cluster();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final StderrCapture stderr = StderrCapture.start();
    @AutoClose
    protected final WatcherFixture fixture = Secrets.fixture(es);
    @AutoClose
    protected final ElasticsearchProxy proxy = new ElasticsearchProxy(es.url());
    protected final NumberedDocuments documents = new NumberedDocuments(es, fixture.queueIndex(),
            TestElasticsearch.uniqueIndex("outage"), DOCUMENTS);

    /** The cluster the queue is on (called once per test, while the test instance is made). */
    protected abstract TestCluster cluster();

    /** How the adapter's error line words a 401: Elasticsearch's error type; opensearch-java's "Unauthorized". */
    protected abstract String credentialsRefused();

    @BeforeEach
    void queueTheDocuments() {
        fixture.ollama().latency(Duration.ofMillis(20)).countBy(NumberedDocuments::documentOf)
                .respondWith(NumberedDocuments::correctAnswer);
        documents.queue(n -> "ollama");
    }

    @AfterEach
    void noSecretLeaked() {
        stderr.close();
        assertThat(stderr.text()).doesNotContain(Secrets.ALL);
        assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain(Secrets.ALL);
    }

    @Test
    void theClusterGoneWhileResultsAreBulkStoredEndsTheRunWithOneErrorAndLosesNothing() {
        int status = runCliThroughProxy(nthBulkOf("{\"index\"", 2), ElasticsearchProxy.Mode.GONE);

        assertThat(status).isEqualTo(Main.FAILED);
        assertThat(errorLines()).hasSize(1).first().asString()
                .startsWith("llm-watcher: " + es.engine() + " at " + proxy.url()).contains("could not");
        assertEveryDocumentStoredOrQueued();

        rerunAfterTheClaimsExpire();

        assertThat(documents.notStoredCorrectly()).isEmpty();
        assertThat(es.count(fixture.queueIndex())).isZero();
    }

    @Test
    void credentialsRefusedWhileStoredDocumentsAreRemovedEndsTheRunWithOneErrorAndStoringAgainIsHarmless() {
        int status = runCliThroughProxy(nthBulkOf("{\"delete\"", 1), ElasticsearchProxy.Mode.REFUSE_CREDENTIALS);

        assertThat(status).isEqualTo(Main.FAILED);
        assertThat(errorLines()).hasSize(1).first().asString().startsWith("llm-watcher: " + es.engine() + " at ")
                .contains("HTTP 401").contains(credentialsRefused());
        assertEveryDocumentStoredOrQueued();
        Set<String> queued = documents.queued().keySet();
        long storedAndStillQueued = documents.stored().keySet().stream().filter(queued::contains).count();
        assertThat(storedAndStillQueued).as("results stored whose queue copies could not be removed").isPositive();

        rerunAfterTheClaimsExpire();

        assertThat(documents.notStoredCorrectly()).isEmpty();
        assertThat(es.count(fixture.queueIndex())).isZero();
        assertThat(documents.stored()).hasSize(DOCUMENTS);
    }

    @Test
    void aFailedQueueTemplateCheckLetsThePassFinishItsDocumentsThenEndsTheRunWithOneError() {
        proxy.failEach(request -> request.path().startsWith("/_index_template/"));

        int status = runCliThroughProxy(request -> false, ElasticsearchProxy.Mode.FORWARD);

        assertThat(status).isEqualTo(Main.FAILED);
        assertThat(errorLines()).hasSize(1).first().asString().startsWith("llm-watcher: " + es.engine() + " at ")
                .contains("index template").contains("HTTP 500").contains("injected by the test proxy");
        assertThat(documents.notStoredCorrectly()).as("the pass beside the check ran to its end").isEmpty();
        assertThat(es.count(fixture.queueIndex())).isZero();
    }

    protected int runCliThroughProxy(Predicate<ElasticsearchProxy.Request> when, ElasticsearchProxy.Mode then) {
        proxy.breakOn(when, then);
        Map<String, String> environment = new HashMap<>(fixture.settings());
        environment.put("ELASTICSEARCH_URL", proxy.url().toString());
        Console console = new Console(environment, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), Clock.systemUTC());
        return Main.standard().run(new String[]{"--once", "--batch-size", "20", "--concurrency", "8",
                "--pass-duration", "10"}, console);
    }

    private static Predicate<ElasticsearchProxy.Request> nthBulkOf(String operation, int n) {
        AtomicInteger seen = new AtomicInteger();
        return request -> request.path().endsWith("/_bulk") && request.body().startsWith(operation)
                && seen.incrementAndGet() >= n;
    }

    protected List<String> errorLines() {
        return err.toString(StandardCharsets.UTF_8).strip().lines().toList();
    }

    private void assertEveryDocumentStoredOrQueued() {
        Set<String> found = new HashSet<>(documents.queued().keySet());
        found.addAll(documents.stored().keySet());
        assertThat(found).containsExactlyInAnyOrderElementsOf(documents.ids());
    }

    /** A run whose clock is past every lease the broken run took (pass duration 10 s + 60 s margin). */
    private void rerunAfterTheClaimsExpire() {
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5));
        try (Watcher watcher = Watcher.create(ConfigReader.read(fixture.settings()), later, "rerun")) {
            for (int pass = 0; pass < 5; pass++) {
                RunReport report = watcher.runPass(Selection.NEW, later.instant().plusSeconds(60), Integer.MAX_VALUE,
                        StopSignal.never());
                if (report.backlog() == 0) {
                    return;
                }
            }
        }
    }
}
