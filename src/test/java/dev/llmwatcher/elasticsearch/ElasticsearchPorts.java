package dev.llmwatcher.elasticsearch;

import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.TestElasticsearch;

import java.util.Map;
import java.util.Optional;

/**
 * The Elasticsearch adapter as the contract suites drive it: one {@link ElasticsearchQueueStore} over the test
 * cluster, documents put in and read back over plain HTTP.
 */
public final class ElasticsearchPorts extends PortFixture<ElasticsearchQueueStore> {

    private final TestElasticsearch es;

    public ElasticsearchPorts(TestElasticsearch es, ElasticsearchQueueStore store) {
        super(store);
        this.es = es;
    }

    /** A store with its answer cache in {@code answerCacheIndex}. */
    public ElasticsearchPorts(TestElasticsearch es, String answerCacheIndex) {
        this(es, new ElasticsearchQueueStore(es.client(), es.settings(), Optional.of(answerCacheIndex)));
    }

    @Override
    public void queue(String queueIndex, String id, Map<String, Object> source) {
        es.indexDocument(queueIndex, id, source);
    }

    @Override
    public void queueAll(String queueIndex, Map<String, Map<String, Object>> sourcesById) {
        es.bulkIndex(queueIndex, sourcesById);
    }

    @Override
    public void remove(String queueIndex, String id) {
        es.delete("/" + queueIndex + "/_doc/" + id + "?refresh=true").requireSuccess("delete " + id);
    }

    @Override
    public void write(String index, Map<String, Map<String, Object>> sourcesById) {
        es.bulkIndex(index, sourcesById);
    }

    @Override
    public void delete(String index, String id) {
        es.delete("/" + index + "/_doc/" + id + "?refresh=true").requireSuccess("delete " + id);
    }

    @Override
    public Optional<Map<String, Object>> source(String index, String id) {
        return es.source(index, id);
    }
}
