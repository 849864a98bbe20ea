package dev.llmwatcher.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Small helpers for queue store tests. */
public final class QueueTestSupport {

    private QueueTestSupport() {
    }

    public static QueueQuery query(String queue, Selection selection, Instant now) {
        return new QueueQuery(queue, selection, now, Optional.empty(), 100);
    }

    /** Every eligible document, page by page. */
    public static List<QueuedDocument> scanAll(QueueStore store, QueueQuery query) {
        List<QueuedDocument> all = new ArrayList<>();
        try (QueueScan scan = store.scan(query)) {
            for (List<QueuedDocument> page = scan.nextPage(); !page.isEmpty(); page = scan.nextPage()) {
                all.addAll(page);
            }
        }
        return all;
    }

    public static List<String> ids(List<QueuedDocument> documents) {
        return documents.stream().map(QueuedDocument::id).toList();
    }
}
