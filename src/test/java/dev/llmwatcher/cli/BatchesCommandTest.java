package dev.llmwatcher.cli;

import dev.llmwatcher.testing.TestElasticsearch;

import java.net.URI;

/** {@code batches} on Elasticsearch ({@link AbstractBatchesCommandTest}). */
class BatchesCommandTest extends AbstractBatchesCommandTest {

    private final TestElasticsearch es = TestElasticsearch.shared();

    @Override
    protected URI url() {
        return es.url();
    }

    @Override
    protected TestElasticsearch.Response send(String method, String path, String json) {
        return es.send(method, path, json, json == null ? null : "application/json");
    }
}
