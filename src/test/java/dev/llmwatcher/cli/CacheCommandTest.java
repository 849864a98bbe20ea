package dev.llmwatcher.cli;

import dev.llmwatcher.testing.TestElasticsearch;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * The answer cache from the operator's side on Elasticsearch ({@link AbstractCacheCommandTest}).
 */
class CacheCommandTest extends AbstractCacheCommandTest {

    private final TestElasticsearch es = TestElasticsearch.shared();

    @Override
    protected URI url() {
        return es.url();
    }

    @Override
    protected void indexDocument(String index, String id, Map<String, ?> source) {
        es.indexDocument(index, id, source);
    }

    @Override
    protected Optional<Map<String, Object>> source(String index, String id) {
        return es.source(index, id);
    }

    @Override
    protected String mapping(String index) {
        return es.get("/" + index + "/_mapping").body();
    }
}
