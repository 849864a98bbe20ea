package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.TestCluster;
import dev.llmwatcher.testing.TestElasticsearch;

/** {@link AbstractOutageTest} on Elasticsearch. */
class ElasticsearchOutageTest extends AbstractOutageTest {

    @Override
    protected TestCluster cluster() {
        return TestElasticsearch.shared();
    }

    @Override
    protected String credentialsRefused() {
        return "security_exception";
    }
}
