package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestCluster;

/**
 * {@link OpenSearchOverlappingRunsTest} on the newest OpenSearch 2.x: whole drains (the engine told from the cluster's
 * answer, claims, results and deletes) by three overlapping watchers, each document answered once.
 */
class OpenSearch2OverlappingRunsTest extends OpenSearchOverlappingRunsTest {

    @Override
    protected TestCluster cluster() {
        return OpenSearchServer.version2();
    }
}
