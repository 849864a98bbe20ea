package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.TestCluster;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a queue document's bookkeeping for assertions. */
final class QueueAssertions {

    private QueueAssertions() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> watcherMeta(TestCluster es, String queueIndex, String id) {
        Map<String, Object> source = es.source(queueIndex, id)
                .orElseThrow(() -> new AssertionError("document " + id + " is no longer in the queue " + queueIndex));
        return new LinkedHashMap<>((Map<String, Object>) source.get("_llm_watcher"));
    }

    static String error(TestCluster es, String queueIndex, String id) {
        Object error = watcherMeta(es, queueIndex, id).get("error");
        return error == null ? null : error.toString();
    }
}
