package dev.llmwatcher.aws.priming;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.queue.QueueFields;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What Elasticsearch, Ollama and OpenAI would answer to one pass over a queue of two documents (one per provider,
 * each with a JSON schema), so a priming pass walks the same code as a real one: refresh, count, point in time,
 * search, claim, answer cache look-up, LLM call, schema check, result and cache write, delete, metrics query. Made-up
 * answers never leave the JVM: they are written to the loopback server's made-up queue only. The answers are complete
 * as Elasticsearch gives them ({@code took}, {@code _shards}, {@code hits.total.relation}, bulk items with
 * {@code _index}), since the typed client reads them strictly.
 */
public final class PrimingRoutes implements PrimingServer.Handler {

    public static final String QUEUE = "llm-watcher-priming";
    private static final ObjectMapper JSON = Json.mapper();
    /** Elasticsearch's product header: its client refuses an answer without it. */
    private static final Map<String, String> HEADERS = Map.of("Content-Type", "application/json",
            "X-Elastic-Product", "Elasticsearch");
    /** The queue-age query's answer: its oldest document's {@code queued_at} as its sort value (epoch millis). */
    private static final long OLDEST_QUEUED_AT = 1_700_000_000_000L;
    /** Elasticsearch's shard summary, which its typed client requires in most answers. */
    private static final Map<String, Object> SHARDS = Map.of("total", 1, "successful", 1, "failed", 0);

    private final AtomicBoolean searched = new AtomicBoolean();
    private final AtomicLong seqNo = new AtomicLong(10);

    @Override
    public PrimingServer.Response handle(PrimingServer.Request request) {
        String method = request.method();
        String body = request.body();
        String route = request.target().contains("?")
                ? request.target().substring(0, request.target().indexOf('?')) : request.target();
        if (route.endsWith("/api/generate")) {
            return ok(Map.of("model", "priming", "response", "{\"scale\":5}", "done", true,
                    "prompt_eval_count", 12, "eval_count", 4));
        }
        if (route.endsWith("/chat/completions")) {
            return ok(Map.of("id", "priming", "object", "chat.completion", "choices", List.of(Map.of("index", 0,
                            "message", Map.of("role", "assistant", "content", "{\"scale\":5}"), "finish_reason", "stop")),
                    "usage", Map.of("prompt_tokens", 12, "completion_tokens", 4, "total_tokens", 16)));
        }
        if (route.startsWith("/_index_template/")) {
            return method.equals("GET") ? answer(404, Map.of()) : ok(Map.of("acknowledged", true));
        }
        if (route.endsWith("/_pit")) {
            return ok(method.equals("DELETE") ? Map.of("succeeded", true, "num_freed", 1)
                    : Map.of("id", "priming-pit", "_shards", SHARDS));
        }
        if (route.endsWith("/_count")) {
            return ok(Map.of("count", 2, "_shards", SHARDS));
        }
        if (route.endsWith("/_refresh")) {
            return ok(Map.of("_shards", SHARDS));
        }
        if (route.endsWith("/_mget")) {
            return ok(Map.of("docs", notFound(route.substring(1, route.indexOf('/', 1)), body)));
        }
        if (route.equals("/_bulk")) {
            return ok(Map.of("took", 1, "errors", false, "items", bulkItems(body)));
        }
        if (route.equals("/_search")) {
            return ok(searched.getAndSet(true) ? hits(List.of()) : hits(documents()));
        }
        if (route.endsWith("/_search")) {
            return ok(hits(List.of(Map.of("_index", QUEUE, "_id", "priming-1",
                    "sort", List.of(OLDEST_QUEUED_AT)))));
        }
        return ok(Map.of("acknowledged", true));
    }

    private static Map<String, Object> hits(List<Map<String, Object>> hits) {
        return Map.of("took", 1, "timed_out", false, "_shards", SHARDS, "pit_id", "priming-pit",
                "hits", Map.of("total", Map.of("value", hits.size(), "relation", "eq"), "hits", hits));
    }

    private List<Map<String, Object>> documents() {
        List<Map<String, Object>> hits = new ArrayList<>();
        int n = 0;
        for (String provider : List.of("ollama", "openai")) {
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put(QueueFields.PROVIDER, provider);
            meta.put(QueueFields.MODEL, "priming");
            meta.put(QueueFields.PROMPT, "Rate from 1 to 5: {{ ctx.message }}");
            meta.put(QueueFields.FORMAT, Map.of("type", "object", "properties",
                    Map.of("scale", Map.of("type", "integer")), "required", List.of("scale")));
            meta.put(QueueFields.OPTIONS, Map.of("temperature", 0));
            meta.put(QueueFields.ORIGINAL_INDEX, "llm-watcher-priming-results");
            meta.put(QueueFields.QUEUED_AT, "2025-01-01T00:00:00.000Z");
            String id = "priming-" + ++n;
            hits.add(Map.of("_index", QUEUE, "_id", id, "_seq_no", n, "_primary_term", 1,
                    "_source", Map.of("message", "I love it!", QueueFields.META, meta), "sort", List.of(n)));
        }
        return hits;
    }

    /** The answer cache's look-up: none of the asked ids is there, so the priming pass calls the LLMs. */
    private static List<Object> notFound(String index, String body) {
        List<Object> docs = new ArrayList<>();
        Object ids = read(body).get("ids");
        if (ids instanceof List<?> list) {
            list.forEach(id -> docs.add(Map.of("_index", index, "_id", String.valueOf(id), "found", false)));
        }
        return docs;
    }

    /** One successful item per action line of an NDJSON bulk body. */
    private List<Object> bulkItems(String body) {
        List<Object> items = new ArrayList<>();
        boolean sourceNext = false;
        for (String line : body.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (sourceNext) {
                sourceNext = false;
                continue;
            }
            Map<?, ?> action = read(line);
            String kind = action.keySet().iterator().next().toString();
            Map<?, ?> meta = action.get(kind) instanceof Map<?, ?> m ? m : Map.of();
            sourceNext = !kind.equals("delete");
            items.add(Map.of(kind, Map.of("_index", String.valueOf(meta.get("_index")),
                    "_id", String.valueOf(meta.get("_id")), "status", 200, "result", result(kind),
                    "_seq_no", seqNo.incrementAndGet(), "_primary_term", 1, "_shards", SHARDS, "_version", 2)));
        }
        return items;
    }

    private static String result(String kind) {
        return switch (kind) {
            case "delete" -> "deleted";
            case "create" -> "created";
            default -> "updated";
        };
    }

    private static Map<?, ?> read(String line) {
        try {
            return JSON.readValue(line, Map.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a bulk action line: " + line, e);
        }
    }

    private static PrimingServer.Response ok(Map<String, Object> body) {
        return answer(200, body);
    }

    private static PrimingServer.Response answer(int status, Map<String, Object> body) {
        try {
            return new PrimingServer.Response(status, HEADERS, JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
