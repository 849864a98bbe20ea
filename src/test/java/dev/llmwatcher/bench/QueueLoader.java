package dev.llmwatcher.bench;

import dev.llmwatcher.testing.TestElasticsearch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fills a queue index with documents as the pipeline leaves them: review-like text of a given size range, a prompt
 * over it and a JSON schema for the answer, written with bulk requests.
 */
final class QueueLoader {

    static final String PROMPT = "Rate this product review from 1 to 10 and summarise it in one sentence: "
            + "{{ctx.text}}";
    static final Map<String, Object> SCHEMA = Map.of("type", "object",
            "properties", Map.of("score", Map.of("type", "integer"), "summary", Map.of("type", "string")),
            "required", List.of("score", "summary"));
    /** What the fake model answers: valid against {@link #SCHEMA}. */
    static final String ANSWER = "{\"score\": 7, \"summary\": \"Solid product, slow delivery.\"}";

    private static final String[] WORDS = ("the product arrived quickly and works well although the battery life "
            + "could be better I would buy it again for my family customer service answered every question delivery "
            + "was late but the packaging kept it safe price quality design sound screen comfortable heavy light "
            + "cheap expensive recommend return broken excellent terrible average").split(" ");
    private static final int BULK_BYTES = 8 * 1024 * 1024;

    private final TestElasticsearch es;

    QueueLoader(TestElasticsearch es) {
        this.es = es;
    }

    /** Queues {@code count} documents whose text is between {@code minBytes} and {@code maxBytes} long. */
    long load(String queueIndex, String targetIndex, int count, int minBytes, int maxBytes, long seed) {
        return load(queueIndex, targetIndex, count, count, minBytes, maxBytes, seed, "ollama");
    }

    /** As above, for documents of {@code provider}. */
    long load(String queueIndex, String targetIndex, int count, int minBytes, int maxBytes, long seed,
              String provider) {
        return load(queueIndex, targetIndex, count, count, minBytes, maxBytes, seed, provider);
    }

    /**
     * As above, with only {@code distinct} different texts: document {@code i} has text {@code i % distinct}, as a
     * queue that repeats itself (the same log line, the same review posted twice). The same seed gives the same texts.
     */
    long load(String queueIndex, String targetIndex, int count, int distinct, int minBytes, int maxBytes, long seed) {
        return load(queueIndex, targetIndex, count, distinct, minBytes, maxBytes, seed, "ollama");
    }

    /** As above, for documents of {@code provider}. */
    long load(String queueIndex, String targetIndex, int count, int distinct, int minBytes, int maxBytes, long seed,
              String provider) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] texts = new String[Math.max(1, Math.min(distinct, count))];
        for (int t = 0; t < texts.length; t++) {
            texts[t] = text(random, minBytes + random.nextInt(maxBytes - minBytes + 1));
        }
        Map<String, Map<String, Object>> batch = new LinkedHashMap<>();
        long batchBytes = 0;
        long totalBytes = 0;
        for (int i = 0; i < count; i++) {
            String text = texts[i % texts.length];
            Map<String, Object> meta = TestElasticsearch.pipelineMeta(targetIndex, PROMPT);
            meta.put("format", SCHEMA);
            meta.put("provider", provider);
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("review_id", i);
            source.put("text", text);
            source.put("_llm_watcher", meta);
            batch.put("doc-" + i, source);
            batchBytes += text.length();
            totalBytes += text.length();
            if (batchBytes >= BULK_BYTES) {
                es.bulkIndex(queueIndex, batch);
                batch.clear();
                batchBytes = 0;
            }
        }
        es.bulkIndex(queueIndex, batch);
        return totalBytes;
    }

    private static String text(SplittableRandom random, int length) {
        StringBuilder text = new StringBuilder(length + 16);
        while (text.length() < length) {
            text.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? ". " : " ");
        }
        text.setLength(length);
        return text.toString();
    }
}
