package dev.llmwatcher.store;

import dev.llmwatcher.cache.CacheEntry;
import dev.llmwatcher.cache.CachedAnswer;
import dev.llmwatcher.llm.TokenUsage;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The answer cache's document in an index of ours: one per question, its {@code _id} the question's key (SHA-256
 * hex), holding the raw answer (kept in {@code _source}, not indexed), its tokens, the model and when it answered.
 */
public final class CacheDocuments {

    public static final String DEFAULT_INDEX = "llm-watcher-answer-cache";
    /** The shipped settings and mappings of the cache's index, as an index template. */
    public static final String RESOURCE = "/llm-watcher/answer-cache-index-template.json";
    public static final String ANSWERED_AT = "answered_at";

    private CacheDocuments() {
    }

    public static Map<String, Object> source(CacheEntry entry) {
        CachedAnswer answer = entry.answer();
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("model", answer.model());
        source.put(ANSWERED_AT, QueueQueries.iso(answer.answeredAt()));
        source.put("prompt_tokens", answer.usage().promptTokens());
        source.put("completion_tokens", answer.usage().completionTokens());
        source.put("finish_reason", answer.finishReason());
        source.put("answer", answer.text());
        return source;
    }

    /** An entry as stored; empty for one that is not ours to read (no answer text, no time). */
    public static Optional<CachedAnswer> answer(Map<?, ?> source) {
        if (!(source.get("answer") instanceof String text) || !(source.get(ANSWERED_AT) instanceof String at)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new CachedAnswer(text, source.get("finish_reason") instanceof String f ? f
                    : null, new TokenUsage(number(source.get("prompt_tokens")),
                    number(source.get("completion_tokens"))), String.valueOf(source.get("model")),
                    Instant.parse(at)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The index template that gives {@code index} the cache's mappings: {@value #DEFAULT_INDEX}[-index]. */
    public static String templateName(String index) {
        return DEFAULT_INDEX.equals(index) ? DEFAULT_INDEX : DEFAULT_INDEX + "-" + index;
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }
}
