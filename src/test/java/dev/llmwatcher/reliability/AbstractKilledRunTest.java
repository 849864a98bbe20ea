package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.StderrCapture;
import dev.llmwatcher.testing.TestCluster;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A command-line watcher in its own JVM, killed with SIGKILL in the middle of a drain, then a run after its
 * leases expired: every document ends once in its target with its value and the queue is empty. Calls in flight
 * (or answered but not yet written) at the kill are paid for again; nothing else is. One subclass per engine.
 */
abstract class AbstractKilledRunTest {

    private static final int DOCUMENTS = 600;
    private static final int CALLS_BEFORE_KILL = 150;
    private static final int CONCURRENCY = 8;
    private static final int BATCH_SIZE = 20;

    /** The cluster the queue is on. */
    protected abstract TestCluster cluster();

    @Test
    void watcherKilledMidDrainLosesAndDuplicatesNothing(@TempDir Path temp) throws Exception {
        Path childErr = temp.resolve("child-stderr.txt");
        try (StderrCapture stderr = StderrCapture.start();
             FakeOllamaServer ollama = new FakeOllamaServer();
             FakeOpenAiServer openAi = new FakeOpenAiServer()) {
            WatcherFixture fixture = Secrets.configure(new WatcherFixture(cluster(), ollama, openAi));
            NumberedDocuments documents = new NumberedDocuments(cluster(), fixture.queueIndex(),
                    TestElasticsearch.uniqueIndex("killed"), DOCUMENTS);
            documents.queue(n -> "ollama");
            CountDownLatch enoughCalls = new CountDownLatch(CALLS_BEFORE_KILL);
            ollama.latency(Duration.ofMillis(50)).countBy(NumberedDocuments::documentOf).respondWith(request -> {
                enoughCalls.countDown();
                return NumberedDocuments.correctAnswer(request);
            });

            Process child = startCommandLine(fixture, childErr);
            boolean midDrain = enoughCalls.await(120, TimeUnit.SECONDS);
            child.destroyForcibly();
            child.waitFor();

            assertThat(midDrain).as("the child reached the middle of the drain").isTrue();
            Set<String> queuedAtKill = documents.queued().keySet();
            Set<String> storedAtKill = documents.stored().keySet();
            Set<String> everywhere = new HashSet<>(queuedAtKill);
            everywhere.addAll(storedAtKill);
            assertThat(everywhere).as("nothing lost at the kill").containsExactlyInAnyOrderElementsOf(documents.ids());
            assertThat(queuedAtKill).as("killed in the middle").isNotEmpty();
            int callsBeforeRerun = ollama.calls();

            rerunAfterTheLeasesExpire(fixture);

            Map<String, Integer> calls = ollama.callsPerMarker();
            long paidTwice = calls.values().stream().filter(c -> c > 1).count();
            System.out.printf("Killed run: %d calls before the kill, %d documents stored and %d queued at the kill; "
                            + "the rerun made %d calls; %d documents were paid for twice%n", callsBeforeRerun,
                    storedAtKill.size(), queuedAtKill.size(), ollama.calls() - callsBeforeRerun, paidTwice);
            assertThat(documents.notStoredCorrectly()).isEmpty();
            assertThat(documents.stored()).hasSize(DOCUMENTS);
            assertThat(cluster().count(fixture.queueIndex())).isZero();
            assertThat(calls).hasSize(DOCUMENTS).allSatisfy((id, count) -> assertThat(count).as(id).isBetween(1, 2));
            // The engine never has more than concurrency + a page + 2 x flush size documents started but not written.
            int flushSize = Math.max(50, Math.max(BATCH_SIZE, CONCURRENCY));
            assertThat(paidTwice).as("only calls in flight or not yet written at the kill are repeated")
                    .isLessThanOrEqualTo(CONCURRENCY + BATCH_SIZE + 2 * flushSize);
            assertThat(stderr.text()).doesNotContain(Secrets.ALL);
        }
        assertThat(Files.readString(childErr)).doesNotContain(Secrets.ALL);
    }

    /** {@code java -cp <this JVM's class path> dev.llmwatcher.cli.Main --once}, secrets in its environment. */
    private static Process startCommandLine(WatcherFixture fixture, Path stderr) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.llmwatcher.cli.Main", "--once", "--batch-size", String.valueOf(BATCH_SIZE),
                "--concurrency", String.valueOf(CONCURRENCY), "--pass-duration", "30"));
        builder.environment().putAll(fixture.settings());
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
        return builder.start();
    }

    /**
     * The killed run's leases end at most pass duration + 60 s after it started; a run whose clock is five minutes
     * ahead sees them expired, as a scheduled run would a few minutes later.
     */
    private static void rerunAfterTheLeasesExpire(WatcherFixture fixture) {
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5));
        try (Watcher watcher = Watcher.create(ConfigReader.read(fixture.settings()), later, "after-kill")) {
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
