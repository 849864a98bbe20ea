package dev.llmwatcher.store;

import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.queue.SortField;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The composable index templates both engines install, from the shipped resources: the queue's (user fields stay in
 * {@code _source} unindexed, {@code _llm_watcher} mapped, lazy refreshes and merges), the answer cache's and the token
 * ledger's. Each is named after the index it covers ({@code llm-watcher-queue} for {@code llm-queue},
 * {@code llm-watcher-queue-<index>} for any other queue; the cache's and the ledger's default index name is their
 * template's), and carries the hash of its content in {@code _meta.content_hash}, so installing again leaves an
 * identical template alone. Index settings travel flat ({@code index.merge.policy.deletes_pct_allowed}), the form
 * both engines' template APIs take as it is.
 */
public final class IndexTemplates {

    public static final String QUEUE_RESOURCE = "/llm-watcher/queue-index-template.json";
    public static final String CACHE_RESOURCE = "/llm-watcher/answer-cache-index-template.json";
    public static final String LEDGER_RESOURCE = "/llm-watcher/token-budget-index-template.json";
    public static final String QUEUE_TEMPLATE = "llm-watcher-queue";
    public static final String DEFAULT_QUEUE_INDEX = "llm-queue";
    public static final String DEFAULT_CACHE_INDEX = "llm-watcher-answer-cache";
    public static final String DEFAULT_LEDGER_INDEX = "llm-watcher-token-budget";

    /**
     * One template to install.
     *
     * @param name     the template's name
     * @param hash     the content hash of its body without the hash
     * @param body     what to send: the content, {@code _meta.content_hash}, settings flat
     * @param settings the template's index settings, flat (to apply to an existing index too)
     */
    public record Template(String name, String hash, Map<String, Object> body, Map<String, Object> settings) {
    }

    private IndexTemplates() {
    }

    public static String queueName(String queueIndex) {
        return DEFAULT_QUEUE_INDEX.equals(queueIndex) ? QUEUE_TEMPLATE : QUEUE_TEMPLATE + "-" + queueIndex;
    }

    public static String cacheName(String index) {
        return DEFAULT_CACHE_INDEX.equals(index) ? DEFAULT_CACHE_INDEX : DEFAULT_CACHE_INDEX + "-" + index;
    }

    public static String ledgerName(String index) {
        return DEFAULT_LEDGER_INDEX.equals(index) ? DEFAULT_LEDGER_INDEX : DEFAULT_LEDGER_INDEX + "-" + index;
    }

    /**
     * The queue template's canonical content for {@code queueIndex}, without the hash. The configured sort field
     * ({@link SortField}) is mapped at the root so sorting works despite {@code dynamic: false}; date and numeric
     * types get {@code ignore_malformed} so a bad value in one document never blocks its queueing.
     */
    public static String queueContent(String queueIndex, Optional<SortField> sortField) {
        Map<String, Object> template = object(InstallContent.resource(QUEUE_RESOURCE));
        template.put("index_patterns", List.of(queueIndex));
        sortField.ifPresent(f -> {
            Map<String, Object> mapping = new LinkedHashMap<>();
            mapping.put("type", f.type());
            if (!f.type().equals("keyword") && !f.type().equals("boolean")) {
                mapping.put("ignore_malformed", true);
            }
            if (f.type().equals("keyword")) {
                mapping.put("ignore_above", 1024);
            }
            child(child(child(template, "template"), "mappings"), "properties").put(f.name(), mapping);
        });
        return InstallContent.canonical(template);
    }

    public static Template queue(String queueIndex, Optional<SortField> sortField) {
        return template(queueName(queueIndex), object(queueContent(queueIndex, sortField)));
    }

    public static Template answerCache(String index) {
        return template(cacheName(index), withPattern(CACHE_RESOURCE, index));
    }

    public static Template tokenLedger(String index) {
        return template(ledgerName(index), withPattern(LEDGER_RESOURCE, index));
    }

    /** {@code {"index": {"refresh_interval": "30s"}}} as {@code {"index.refresh_interval": "30s"}}. */
    public static Map<String, Object> flat(Map<String, Object> nested) {
        Map<String, Object> flat = new LinkedHashMap<>();
        nested.forEach((key, value) -> {
            if (value instanceof Map<?, ?> inner) {
                flat(cast(inner)).forEach((innerKey, innerValue) -> flat.put(key + "." + innerKey, innerValue));
            } else {
                flat.put(key, value);
            }
        });
        return flat;
    }

    private static Map<String, Object> withPattern(String resource, String index) {
        Map<String, Object> body = object(InstallContent.resource(resource));
        body.put("index_patterns", List.of(index));
        return body;
    }

    private static Template template(String name, Map<String, Object> content) {
        String hash = InstallContent.hash(InstallContent.canonical(content));
        Map<String, Object> meta = new LinkedHashMap<>(child(content, "_meta"));
        meta.put("content_hash", hash);
        content.put("_meta", meta);
        Map<String, Object> template = child(content, "template");
        Map<String, Object> settings = flat(child(template, "settings"));
        template.put("settings", settings);
        return new Template(name, hash, content, settings);
    }

    /** The object under {@code key}, created when missing: the shipped resources' layout is ours. */
    private static Map<String, Object> child(Map<String, Object> parent, String key) {
        return cast((Map<?, ?>) parent.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    private static Map<String, Object> object(String json) {
        try {
            return JsonCodec.readObject(json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
