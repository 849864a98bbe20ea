package dev.llmwatcher.aws;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every sample event in {@code events/} (what {@code sam local invoke -e} takes) drives the real handler. */
class SampleEventsTest {

    private static final Path EVENTS = Path.of("events");
    private static final int QUEUED = 3;
    static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final LambdaHarness lambda = new LambdaHarness();
    @AutoClose
    private final WatcherFixture fixture = WatcherFixture.withFakeProviders(es).with("LLM_WATCHER_SAFETY_MARGIN", "1");
    private final FakeOllamaServer ollama = fixture.ollama();
    private final String target = TestElasticsearch.uniqueIndex("reviews");

    @BeforeEach
    void answerEveryCall() {
        ollama.respond(Reply.text("{\"scale\": 8}"));
    }

    static Stream<Path> eventFiles() throws IOException {
        try (Stream<Path> files = Files.list(EVENTS)) {
            return files.filter(f -> f.toString().endsWith(".json"))
                    .filter(f -> !f.getFileName().toString().startsWith("enqueue")).sorted().toList().stream();
        }
    }

    @Test
    void thereIsAClassicAndASchedulerEventForEachHandler() throws IOException {
        List<String> names = eventFiles().map(f -> f.getFileName().toString()).toList();

        assertThat(names).contains("watcher-scheduled-event.json", "watcher-schedule-v2.json",
                "retry-scheduled-event.json", "retry-schedule-v2.json")
                .anyMatch(name -> name.contains("overrides"));
    }

    @Test
    void classicEventsAreScheduledEvents() {
        ScheduledEvent watcher = EventLoader.loadScheduledEvent(EVENTS.resolve("watcher-scheduled-event.json")
                .toString());
        ScheduledEvent retry = EventLoader.loadScheduledEvent(EVENTS.resolve("retry-scheduled-event.json")
                .toString());

        assertThat(watcher.getDetailType()).isEqualTo("Scheduled Event");
        assertThat(watcher.getSource()).isEqualTo("aws.events");
        assertThat(retry.getDetailType()).isEqualTo("Scheduled Event");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eventFiles")
    @SuppressWarnings("unchecked")
    void eachEventEnrichesTheQueuedDocuments(Path file) {
        Map<String, Object> event = EventLoader.loadEvent(file.toString(), Map.class);
        boolean retry = file.getFileName().toString().startsWith("retry-");
        String queue = event.get("watch_index") instanceof String index ? index : fixture.queueIndex();
        int expected = event.get("max_documents") instanceof Number max ? Math.min(QUEUED, max.intValue()) : QUEUED;
        es.delete("/" + queue);
        for (int i = 0; i < QUEUED; i++) {
            es.indexQueueDocument(queue, "doc-" + i, Map.of("message", "review " + i), meta(retry));
        }
        RequestHandler<Map<String, Object>, Map<String, Object>> handler = retry
                ? lambda.retry(fixture) : lambda.watcher(fixture);

        Map<String, Object> summary = handler.handleRequest(event, lambda.context());

        assertThat(summary).containsEntry("queue", queue).containsEntry("processed", expected)
                .containsEntry("failed", 0).containsEntry("mode", retry ? "retry" : "new");
        es.refresh(target);
        assertThat(es.count(target)).isEqualTo(expected);
        assertThat(es.count(queue)).isEqualTo(QUEUED - expected);
        for (int i = 0; i < QUEUED; i++) {
            es.source(target, "doc-" + i).ifPresent(enriched -> assertThat(enriched).containsEntry("scale", 8));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theEnqueueEventStartsABackfillThatTheScheduledDrainEnrichesInPlace() {
        Map<String, Object> event = EventLoader.loadEvent(EVENTS.resolve("enqueue.json").toString(), Map.class);
        ((Map<String, Object>) event.get("enqueue")).put("from", target);
        es.indexDocument(target, "r-1", Map.of("message", "great"));
        es.indexDocument(target, "r-2", Map.of("message", "fine"));
        es.indexDocument(target, "r-3", Map.of("message", "answered before", "scale", 3));
        RequestHandler<Map<String, Object>, Map<String, Object>> handler = lambda.watcher(fixture);

        Map<String, Object> queued = handler.handleRequest(event, lambda.context());
        Map<String, Object> drained = handler.handleRequest(Map.of(), lambda.context());

        assertThat(queued).containsEntry("queue", fixture.queueIndex()).containsEntry("backfill", "bf-reviews-scale")
                .containsEntry("matched", 2L).containsEntry("queued", 2L).containsEntry("failed", 0L);
        assertThat(drained).containsEntry("processed", 2);
        assertThat(es.source(target, "r-1")).contains(Map.of("message", "great", "scale", 8));
        assertThat(es.source(target, "r-2")).contains(Map.of("message", "fine", "scale", 8));
        assertThat(es.source(target, "r-3")).contains(Map.of("message", "answered before", "scale", 3));
        es.refresh(target);
        assertThat(handler.handleRequest(event, lambda.context())).containsEntry("matched", 0L)
                .containsEntry("queued", 0L);
    }

    private Map<String, Object> meta(boolean failedBefore) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}");
        meta.put("format", SCALE_SCHEMA);
        if (failedBefore) {
            meta.put("error", "ollama answered HTTP 500");
            meta.put("attempts", 1);
            meta.put("next_attempt_at", Instant.now().minusSeconds(60).toString());
        }
        return meta;
    }
}
