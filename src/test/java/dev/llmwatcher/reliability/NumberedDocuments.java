package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.FakeLlmServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.TestCluster;
import dev.llmwatcher.testing.TestElasticsearch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Queue documents {@code doc-0 … doc-(n-1)}, each with a number, whose correct answer is computed from that number:
 * the fake LLM answers {@code {"value": 3n+1}}, and the checks compare every stored document with that value.
 * Prompts name the document, so the fake servers can count calls per document.
 */
final class NumberedDocuments {

    static final String PROMPT = "Document {{ctx.doc}} carries the number {{ctx.n}}.";
    private static final Pattern PROMPT_PATTERN = Pattern.compile("Document (\\S+) carries the number (\\d+)\\.");

    private final TestCluster es;
    private final String queueIndex;
    private final String target;
    private final int count;

    NumberedDocuments(TestCluster es, String queueIndex, String target, int count) {
        this.es = es;
        this.queueIndex = queueIndex;
        this.target = target;
        this.count = count;
    }

    static int valueFor(int n) {
        return 3 * n + 1;
    }

    static String id(int n) {
        return "doc-" + n;
    }

    List<String> ids() {
        List<String> ids = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            ids.add(id(n));
        }
        return ids;
    }

    /** Queues every document in bulk, each with {@code meta} adapted by {@code provider(n)}. */
    void queue(IntFunction<String> provider) {
        queue(provider, n -> "llama3.3");
    }

    /** Queues every document in bulk, each with its provider {@code provider(n)} and its model {@code model(n)}. */
    void queue(IntFunction<String> provider, IntFunction<String> model) {
        Map<String, Map<String, Object>> sources = new LinkedHashMap<>();
        for (int n = 0; n < count; n++) {
            Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, PROMPT);
            meta.put("provider", provider.apply(n));
            meta.put("model", model.apply(n));
            meta.put("format", Map.of("type", "object", "properties", Map.of("value", Map.of("type", "integer")),
                    "required", List.of("value")));
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("doc", id(n));
            source.put("n", n);
            source.put("_llm_watcher", meta);
            sources.put(id(n), source);
        }
        for (int from = 0; from < count; from += 500) {
            Map<String, Map<String, Object>> chunk = new LinkedHashMap<>();
            sources.entrySet().stream().skip(from).limit(500).forEach(e -> chunk.put(e.getKey(), e.getValue()));
            es.bulkIndex(queueIndex, chunk);
        }
    }

    /** The document a request's prompt names, e.g. {@code doc-17}; the marker to count calls by. */
    static String documentOf(FakeLlmServer.Request request) {
        Matcher matcher = PROMPT_PATTERN.matcher(request.prompt() == null ? "" : request.prompt());
        return matcher.matches() ? matcher.group(1) : "unknown";
    }

    static int numberOf(FakeLlmServer.Request request) {
        Matcher matcher = PROMPT_PATTERN.matcher(request.prompt());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a numbered document's prompt: " + request.prompt());
        }
        return Integer.parseInt(matcher.group(2));
    }

    /** The correct answer for the request's document. */
    static Reply correctAnswer(FakeLlmServer.Request request) {
        return Reply.text("{\"value\": " + valueFor(numberOf(request)) + "}");
    }

    /** Documents not in the target index with their correct value, by id, with what is there instead. */
    Map<String, Object> notStoredCorrectly() {
        Map<String, Map<String, Object>> stored = all(es, target);
        Map<String, Object> wrong = new LinkedHashMap<>();
        for (int n = 0; n < count; n++) {
            Map<String, Object> source = stored.get(id(n));
            Object value = source == null ? null : source.get("value");
            if (!Integer.valueOf(valueFor(n)).equals(value)) {
                wrong.put(id(n), value);
            }
        }
        return wrong;
    }

    Map<String, Map<String, Object>> queued() {
        return all(es, queueIndex);
    }

    Map<String, Map<String, Object>> stored() {
        return all(es, target);
    }

    /** Every document of {@code index} (up to 10,000) by id; empty when the index does not exist. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> all(TestCluster es, String index) {
        Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
        if (es.count(index) == 0) {
            return documents;
        }
        TestElasticsearch.Response response = es.post("/" + index + "/_search", "{\"size\": 10000}");
        Map<String, Object> hits = (Map<String, Object>) response.json().get("hits");
        for (Object hit : (List<Object>) hits.get("hits")) {
            Map<String, Object> h = (Map<String, Object>) hit;
            documents.put((String) h.get("_id"), (Map<String, Object>) h.get("_source"));
        }
        return documents;
    }
}
