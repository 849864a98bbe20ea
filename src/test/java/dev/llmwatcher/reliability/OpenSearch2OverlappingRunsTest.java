package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.OpenSearchServer;

/**
 * {@link OpenSearchOverlappingRunsTest} on the newest OpenSearch 2.x: whole drains (the engine told from the cluster's
 * answer, the queue template installed, claims, results and deletes) by three overlapping watchers, each document
 * answered once.
 */
class OpenSearch2OverlappingRunsTest extends OpenSearchOverlappingRunsTest {

    @Override
    OpenSearchServer server() {
        return OpenSearchServer.version2();
    }
}
