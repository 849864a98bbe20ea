package dev.llmwatcher.opensearch;

import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.AbstractQueueStoreTest;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.ElasticsearchProxy;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static org.assertj.core.api.Assertions.assertThat;

/** The OpenSearch adapter against the queue port's contract ({@link AbstractQueueStoreTest}), on OpenSearch 3.x. */
class OpenSearchQueueStoreTest extends AbstractQueueStoreTest {

    /** The OpenSearch these tests run against: the shared 3.x server ({@link OpenSearch2Test} overrides it). */
    OpenSearchServer server() {
        return OpenSearchServer.shared();
    }

    private OpenSearchPorts opened;

    @Override
    protected PortFixture<?> ports() {
        opened = new OpenSearchPorts(server(), TestElasticsearch.uniqueIndex("answer-cache"));
        return opened;
    }

    @AfterEach
    void closeStore() {
        opened.store().close();
    }

    @Test
    void aScanOfWholePagesEndsAtTheTotalItsFirstPageReportedWithoutAskingForAnEmptyPage() {
        for (int i = 0; i < 8; i++) {
            queue("d" + i, Map.of("n", i), Map.of());
        }
        AtomicInteger searches = new AtomicInteger();
        try (ElasticsearchProxy proxy = new ElasticsearchProxy(server().url());
             OpenSearchQueueStore observed = OpenSearchQueueStore.connect(ElasticsearchSettings.anonymous(proxy.url()),
                     Optional.empty())) {
            proxy.breakOn(request -> {
                if (request.path().split("\\?")[0].equals("/_search")) { // not /_search/point_in_time
                    searches.incrementAndGet();
                }
                return false;
            }, ElasticsearchProxy.Mode.GONE);

            QueueQuery query = new QueueQuery(queue, Selection.NEW, NOW, Optional.empty(), 4);
            scanAll(observed, query); // the client's first scan: on 2.x it learns there the tiebreaker to page by
            searches.set(0);

            List<QueuedDocument> read = scanAll(observed, query);

            assertThat(read).hasSize(8);
            assertThat(searches).as("two full pages, and no third search for an empty one").hasValue(2);
        }
    }
}
