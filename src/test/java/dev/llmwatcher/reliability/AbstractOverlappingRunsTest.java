package dev.llmwatcher.reliability;

import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.StderrCapture;
import dev.llmwatcher.testing.TestCluster;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three watchers (separate instances, so separate claim owners, as three Lambda instances or a Lambda beside a
 * command-line watcher) start at the same moment over the same documents: each document is answered once, and stored
 * with its correct value. One subclass per engine (and version), which says how many documents.
 */
abstract class AbstractOverlappingRunsTest {

    private static final int RUNS = 3;

    /** The cluster the queue is on. */
    protected abstract TestCluster cluster();

    /** How many documents the runs share. */
    protected abstract int documentCount();

    @Test
    void threeSimultaneousRunsAnswerEachDocumentExactlyOnce() throws Exception {
        Map<String, Integer> callsPerDocument;
        List<RunReport> reports = new ArrayList<>();
        NumberedDocuments documents;
        try (StderrCapture stderr = StderrCapture.start();
             FakeOllamaServer ollama = new FakeOllamaServer();
             FakeOpenAiServer openAi = new FakeOpenAiServer()) {
            WatcherFixture fixture = Secrets.configure(new WatcherFixture(cluster(), ollama, openAi))
                    .with("LLM_WATCHER_BATCH_SIZE", "50").with("LLM_WATCHER_CONCURRENCY", "16");
            documents = new NumberedDocuments(cluster(), fixture.queueIndex(), TestElasticsearch.uniqueIndex("overlap"),
                    documentCount());
            documents.queue(n -> n % 2 == 0 ? "ollama" : "openai");
            ollama.latency(Duration.ofMillis(10)).countBy(NumberedDocuments::documentOf)
                    .respondWith(NumberedDocuments::correctAnswer);
            openAi.latency(Duration.ofMillis(10)).countBy(NumberedDocuments::documentOf)
                    .respondWith(NumberedDocuments::correctAnswer);

            CyclicBarrier together = new CyclicBarrier(RUNS);
            try (ExecutorService runs = Executors.newFixedThreadPool(RUNS)) {
                List<Future<List<RunReport>>> futures = new ArrayList<>();
                for (int run = 0; run < RUNS; run++) {
                    String name = "overlap-" + run;
                    futures.add(runs.submit(() -> Drain.untilEmpty(fixture, name, together)));
                }
                for (Future<List<RunReport>> future : futures) {
                    reports.addAll(future.get());
                }
            }
            callsPerDocument = new HashMap<>(ollama.callsPerMarker());
            openAi.callsPerMarker().forEach((id, calls) -> callsPerDocument.merge(id, calls, Integer::sum));
            assertThat(stderr.text()).doesNotContain(Secrets.ALL);
            assertThat(cluster().count(fixture.queueIndex())).isZero();
        }

        assertThat(callsPerDocument).hasSize(documentCount());
        assertThat(callsPerDocument).allSatisfy((id, calls) -> assertThat(calls).as(id).isEqualTo(1));
        assertThat(documents.notStoredCorrectly()).isEmpty();
        assertThat(reports.stream().mapToInt(RunReport::processed).sum()).isEqualTo(documentCount());
        System.out.printf("Overlap on %s: %d documents, %d passes, processed per pass %s, skipped (held by another "
                        + "run) %d%n", cluster().engine(), documentCount(), reports.size(),
                reports.stream().map(RunReport::processed).toList(),
                reports.stream().mapToLong(RunReport::skipped).sum());
    }
}
