package dev.llmwatcher.reliability;

import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.testing.CliRunner;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BackfillTest}'s flow, smaller, on OpenSearch and through the command line only: {@code enqueue --from}
 * queues the selected documents (twice: nothing queued twice), the application edits and deletes some while they
 * wait, and {@code --once} passes drain the queue in place; the edits and the deletes win.
 */
class OpenSearchBackfillTest {

    private static final int DOCUMENTS = 60;
    private static final int EDIT = 100_000;

    private final OpenSearchServer openSearch = OpenSearchServer.shared();
    @AutoClose
    private final FakeOllamaServer ollama = new FakeOllamaServer();
    private final String reviews = TestElasticsearch.uniqueIndex("reviews");
    private final String queue = TestElasticsearch.uniqueIndex("llm-queue");
    private final Map<String, String> environment = Map.of("ELASTICSEARCH_URL", openSearch.url().toString(),
            "LLM_WATCHER_WATCH_INDEX", queue);
    private final CliRunner cli = new CliRunner();

    @Test
    void selectedDocumentsAreEnrichedInPlaceAndTheApplicationsEditsAndDeletesWhileQueuedWin() {
        IntStream.range(0, DOCUMENTS).forEach(n -> write(n, Map.of()));
        ollama.countBy(NumberedDocuments::documentOf).respondWith(NumberedDocuments::correctAnswer);
        List<Integer> selected = IntStream.range(0, DOCUMENTS).filter(n -> n % 3 != 0).boxed().toList();

        assertThat(enqueue()).as(cli.err()).isZero();
        assertThat(cli.out()).contains(selected.size() + " queued, 0 already queued, 0 failed");
        assertThat(enqueue()).as(cli.err()).isZero();
        assertThat(cli.out()).contains("0 queued, " + selected.size() + " already queued, 0 failed");
        List<Integer> edited = selected.subList(0, 3);
        List<Integer> deleted = selected.subList(3, 5);
        edited.forEach(n -> write(n, Map.of("n", n + EDIT, "edited", "by the application")));
        deleted.forEach(n -> openSearch.send("DELETE", "/" + reviews + "/_doc/" + NumberedDocuments.id(n)
                + "?refresh=true", null).requireSuccess("delete"));

        for (int pass = 0; pass < 4 && queued() > 0; pass++) {
            assertThat(cli.run(environment, "--ollama-api", ollama.baseUrl().toString(), "--once"))
                    .as(cli.err()).isZero();
        }

        assertThat(queued()).isZero();
        IntStream.range(0, DOCUMENTS).forEach(n -> {
            Optional<Map<String, Object>> stored = openSearch.source(reviews, NumberedDocuments.id(n));
            if (deleted.contains(n)) {
                assertThat(stored).as("deleted %s", n).isEmpty();
                return;
            }
            Map<String, Object> source = stored.orElseThrow();
            assertThat(source).doesNotContainKey("_llm_watcher");
            if (!selected.contains(n)) {
                assertThat(source).as("unselected %s", n).doesNotContainKey("value");
            } else if (edited.contains(n)) {
                assertThat(source).containsEntry("edited", "by the application").containsEntry("n", n + EDIT)
                        .containsEntry("value", NumberedDocuments.valueFor(n + EDIT));
                assertThat(ollama.callsFor(NumberedDocuments.id(n))).isEqualTo(2);
            } else {
                assertThat(source).containsEntry("n", n).containsEntry("value", NumberedDocuments.valueFor(n));
            }
        });
    }

    private int enqueue() {
        return cli.run(environment, "enqueue", "--from", reviews, "--query", "{\"term\": {\"selected\": true}}",
                "--prompt", NumberedDocuments.PROMPT, "--schema", "{\"type\": \"object\", \"properties\": "
                        + "{\"value\": {\"type\": \"integer\"}}, \"required\": [\"value\"]}", "--backfill-id", "bf-os");
    }

    /** Document {@code n} as the application writes it, with {@code changes} over its original fields. */
    private void write(int n, Map<String, Object> changes) {
        Map<String, Object> source = new LinkedHashMap<>(Map.of("doc", NumberedDocuments.id(n), "n", n,
                "selected", n % 3 != 0));
        source.putAll(changes);
        openSearch.send("PUT", "/" + reviews + "/_doc/" + NumberedDocuments.id(n) + "?refresh=true",
                JsonCodec.writeString(source)).requireSuccess("index " + n);
    }

    private long queued() {
        openSearch.send("POST", "/" + queue + "/_refresh", null);
        var count = openSearch.send("GET", "/" + queue + "/_count", null);
        return count.status() == 404 ? 0 : ((Number) count.json().get("count")).longValue();
    }
}
