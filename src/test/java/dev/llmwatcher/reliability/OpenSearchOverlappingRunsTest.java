package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestCluster;

/**
 * {@link AbstractOverlappingRunsTest} on OpenSearch 3.x, each watcher with the OpenSearch adapter the cluster's answer
 * chose, over 300 documents.
 */
class OpenSearchOverlappingRunsTest extends AbstractOverlappingRunsTest {

    @Override
    protected TestCluster cluster() {
        return OpenSearchServer.shared();
    }

    @Override
    protected int documentCount() {
        return 300;
    }
}
