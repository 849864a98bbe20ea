package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.FakeLlmServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.TestElasticsearch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Queue documents that repeat a few messages, as real queues do (the same log line, the same review posted twice):
 * document {@code <prefix>-i} carries message {@code i % messages}, whose correct answer is {@code {"value": 3m+1}}.
 * The fake LLMs answer from the prompt, so a document stored with another message's answer shows.
 */
final class RepeatedMessages {

    static final String PROMPT = "Message {{ctx.m}} says hello.";
    private static final Pattern PROMPT_PATTERN = Pattern.compile("Message (\\d+) says hello\\.");
    static final Map<String, Object> SCHEMA = Map.of("type", "object",
            "properties", Map.of("value", Map.of("type", "integer")), "required", List.of("value"));

    private final TestElasticsearch es;
    private final String queueIndex;
    private final String target;
    private final int messages;

    RepeatedMessages(TestElasticsearch es, String queueIndex, String target, int messages) {
        this.es = es;
        this.queueIndex = queueIndex;
        this.target = target;
        this.messages = messages;
    }

    static int valueFor(int message) {
        return 3 * message + 1;
    }

    /** The pipeline's {@code _llm_watcher} for these documents, mutable so a test can change a part of it. */
    Map<String, Object> meta(String provider) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, PROMPT);
        meta.put("provider", provider);
        meta.put("format", SCHEMA);
        return meta;
    }

    /** Queues {@code <prefix>-0 … <prefix>-(count-1)} in bulk, each with the meta {@code meta(message)} gives. */
    void queue(String prefix, int count, IntFunction<Map<String, Object>> meta) {
        Map<String, Map<String, Object>> sources = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("m", i % messages);
            source.put("_llm_watcher", meta.apply(i % messages));
            sources.put(prefix + "-" + i, source);
            if (sources.size() == 500) {
                es.bulkIndex(queueIndex, sources);
                sources.clear();
            }
        }
        es.bulkIndex(queueIndex, sources);
    }

    /** Queues them all for one provider. */
    void queue(String prefix, int count, String provider) {
        queue(prefix, count, message -> meta(provider));
    }

    /** The correct answer for the request's message. */
    static Reply correctAnswer(FakeLlmServer.Request request) {
        Matcher matcher = PROMPT_PATTERN.matcher(request.prompt() == null ? "" : request.prompt());
        if (!matcher.matches()) {
            return Reply.error(400, "not a repeated message's prompt: " + request.prompt());
        }
        return Reply.text("{\"value\": " + valueFor(Integer.parseInt(matcher.group(1))) + "}");
    }

    /** Documents {@code <prefix>-i} not stored with their own message's answer, by id, with what is there instead. */
    Map<String, Object> notStoredCorrectly(String prefix, int count) {
        Map<String, Map<String, Object>> stored = NumberedDocuments.all(es, target);
        Map<String, Object> wrong = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            Map<String, Object> source = stored.get(prefix + "-" + i);
            Object value = source == null ? null : source.get("value");
            Object message = source == null ? null : source.get("m");
            int own = i % messages;
            if (!Integer.valueOf(valueFor(own)).equals(value) || !Integer.valueOf(own).equals(message)) {
                wrong.put(prefix + "-" + i, value);
            }
        }
        return wrong;
    }
}
