package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.TestCluster;
import dev.llmwatcher.testing.TestElasticsearch;

/** {@link AbstractOverlappingRunsTest} on Elasticsearch, over 1,000 documents. */
class OverlappingRunsTest extends AbstractOverlappingRunsTest {

    @Override
    protected TestCluster cluster() {
        return TestElasticsearch.shared();
    }

    @Override
    protected int documentCount() {
        return 1000;
    }
}
