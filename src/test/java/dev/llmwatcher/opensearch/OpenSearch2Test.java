package dev.llmwatcher.opensearch;

import dev.llmwatcher.testing.OpenSearchServer;
import org.junit.jupiter.api.Nested;

/**
 * The OpenSearch adapter on the newest 2.x line, as on 3.x: each storage port's contract suite, the 3.x suite's own
 * tests run against one shared 2.x server ({@link OpenSearchServer#version2()}, started once per test JVM on a JDK
 * that still allows the Security Manager). The README promises 2.4 and later. The seed's flow
 * ({@code OpenSearchSeedFlowTest}) is not here: the 2.x integ-test-zip on Maven Central has no module but
 * transport-netty4, so neither painless nor ingest pipelines; whole drains on 2.x are
 * {@code reliability.OpenSearch2OverlappingRunsTest}.
 */
class OpenSearch2Test {

    @Nested
    class QueueStore extends OpenSearchQueueStoreTest {
        @Override
        OpenSearchServer server() {
            return OpenSearchServer.version2();
        }
    }

    @Nested
    class AnswerCache extends OpenSearchAnswerCacheTest {
        @Override
        OpenSearchServer server() {
            return OpenSearchServer.version2();
        }
    }

    @Nested
    class TokenLedger extends OpenSearchTokenLedgerTest {
        @Override
        OpenSearchServer server() {
            return OpenSearchServer.version2();
        }
    }

    @Nested
    class BatchRefusals extends OpenSearchBatchRefusalsTest {
        @Override
        OpenSearchServer server() {
            return OpenSearchServer.version2();
        }
    }

    @Nested
    class BackfillStore extends OpenSearchBackfillStoreTest {
        @Override
        OpenSearchServer server() {
            return OpenSearchServer.version2();
        }
    }

    @Nested
    class OldestQueued extends OpenSearchOldestQueuedTest {
        @Override
        OpenSearchServer server() {
            return OpenSearchServer.version2();
        }
    }
}
