package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link OverlappingRunsTest} on OpenSearch: three watchers (separate instances, separate claim owners) start at the
 * same moment over the same documents on OpenSearch 3.x, each with the OpenSearch adapter the cluster's answer chose;
 * each document is answered once and stored with its correct value.
 */
class OpenSearchOverlappingRunsTest {

    private static final int DOCUMENTS = 300;
    private static final int RUNS = 3;

    /** The OpenSearch these runs drain: the shared 3.x server ({@link OpenSearch2OverlappingRunsTest}: 2.x). */
    OpenSearchServer server() {
        return OpenSearchServer.shared();
    }

    @Test
    void threeSimultaneousRunsAnswerEachDocumentExactlyOnce() throws Exception {
        String queue = TestElasticsearch.uniqueIndex("queue");
        String target = TestElasticsearch.uniqueIndex("overlap");
        queueNumbered(queue, target);
        List<RunReport> reports = new ArrayList<>();
        Map<String, Integer> callsPerDocument;
        try (FakeOllamaServer ollama = new FakeOllamaServer()) {
            ollama.latency(Duration.ofMillis(10)).countBy(NumberedDocuments::documentOf)
                    .respondWith(NumberedDocuments::correctAnswer);
            Map<String, String> settings = Map.of("ELASTICSEARCH_URL", server().url().toString(),
                    "OLLAMA_API_URL", ollama.baseUrl().toString(), "LLM_WATCHER_WATCH_INDEX", queue,
                    "LLM_WATCHER_BATCH_SIZE", "50", "LLM_WATCHER_CONCURRENCY", "16");
            CyclicBarrier together = new CyclicBarrier(RUNS);
            try (ExecutorService runs = Executors.newFixedThreadPool(RUNS)) {
                List<Future<List<RunReport>>> futures = new ArrayList<>();
                for (int run = 0; run < RUNS; run++) {
                    String name = "overlap-" + run;
                    futures.add(runs.submit(() -> drain(settings, name, together)));
                }
                for (Future<List<RunReport>> future : futures) {
                    reports.addAll(future.get());
                }
            }
            callsPerDocument = new LinkedHashMap<>(ollama.callsPerMarker());
        }

        assertThat(callsPerDocument).hasSize(DOCUMENTS);
        assertThat(callsPerDocument).allSatisfy((id, calls) -> assertThat(calls).as(id).isEqualTo(1));
        assertThat(reports.stream().mapToInt(RunReport::processed).sum()).isEqualTo(DOCUMENTS);
        server().send("POST", "/" + target + "/_refresh", null);
        assertThat(server().send("GET", "/" + queue + "/_count", null).json()).containsEntry("count", 0);
        for (int n = 0; n < DOCUMENTS; n++) {
            assertThat(server().source(target, NumberedDocuments.id(n))).as(NumberedDocuments.id(n))
                    .hasValueSatisfying(source -> assertThat(source).containsEntry("value",
                            NumberedDocuments.valueFor(source.get("n") instanceof Integer i ? i : -1)));
        }
    }

    private static List<RunReport> drain(Map<String, String> settings, String name, CyclicBarrier together)
            throws Exception {
        List<RunReport> reports = new ArrayList<>();
        try (Watcher watcher = Watcher.create(ConfigReader.read(settings), Clock.systemUTC(), name)) {
            together.await();
            for (int pass = 0; pass < 20; pass++) {
                RunReport report = watcher.runPass(Selection.NEW, Instant.now().plusSeconds(60), Integer.MAX_VALUE,
                        StopSignal.never());
                reports.add(report);
                if (report.backlog() == 0 && report.found() == 0) {
                    break;
                }
            }
        }
        return reports;
    }

    /** The numbered documents of {@link NumberedDocuments}, queued in one bulk on OpenSearch. */
    private void queueNumbered(String queue, String target) {
        StringBuilder bulk = new StringBuilder();
        for (int n = 0; n < DOCUMENTS; n++) {
            Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, NumberedDocuments.PROMPT);
            meta.put("format", Map.of("type", "object", "properties", Map.of("value", Map.of("type", "integer")),
                    "required", List.of("value")));
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("doc", NumberedDocuments.id(n));
            source.put("n", n);
            source.put("_llm_watcher", meta);
            bulk.append(JsonCodec.writeString(Map.of("index", Map.of("_index", queue, "_id",
                    NumberedDocuments.id(n))))).append('\n').append(JsonCodec.writeString(source)).append('\n');
        }
        assertThat(server().send("POST", "/_bulk?refresh=true", bulk.toString()).json())
                .containsEntry("errors", false);
    }
}
