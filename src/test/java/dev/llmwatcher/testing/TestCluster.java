package dev.llmwatcher.testing;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a test that drains a queue needs of the real cluster under it, Elasticsearch ({@link TestElasticsearch}) or
 * OpenSearch ({@link OpenSearchServer}): the watcher's settings that reach it, and documents put in and read back over
 * plain HTTP. A reliability test written against this runs on either engine, one small subclass per engine.
 */
public interface TestCluster {

    /** Base URL, e.g. {@code http://127.0.0.1:41234}. */
    URI url();

    /** The engine's name as the watcher's messages give it: "Elasticsearch" or "OpenSearch". */
    String engine();

    /**
     * The watcher's settings that reach this cluster without credentials ({@code ELASTICSEARCH_URL}, and what an
     * HTTPS cluster needs), with an answer cache index and a token budget index of their own.
     */
    Map<String, String> connectionVariables();

    /** Indexes one document, visible to searches at once. */
    void indexDocument(String index, String id, Map<String, ?> source);

    /** Indexes many documents in one bulk request (ids to sources), visible to searches at once. */
    void bulkIndex(String index, Map<String, ? extends Map<String, ?>> sourcesById);

    /** The document's {@code _source}, or empty when there is no such document (or index). */
    Optional<Map<String, Object>> source(String index, String id);

    /** Number of documents in {@code index} after a refresh; 0 when the index does not exist. */
    long count(String index);

    /** {@code POST path} with a JSON body (or none: null). */
    TestElasticsearch.Response post(String path, String json);

    /** A queue document as the original pipeline leaves it: the user's fields plus {@code _llm_watcher}. */
    default void indexQueueDocument(String queueIndex, String id, Map<String, ?> userFields,
                                    Map<String, ?> watcherMeta) {
        Map<String, Object> source = new LinkedHashMap<>(userFields);
        source.put("_llm_watcher", watcherMeta);
        indexDocument(queueIndex, id, source);
    }
}
