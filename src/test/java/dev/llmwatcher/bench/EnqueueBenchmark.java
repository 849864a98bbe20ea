package dev.llmwatcher.bench;

import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.backfill.EnqueueResult;
import dev.llmwatcher.backfill.QueueEntry;
import dev.llmwatcher.backfill.SourceDocument;
import dev.llmwatcher.backfill.SourceScan;
import dev.llmwatcher.backfill.SourceSelection;
import dev.llmwatcher.elasticsearch.ElasticsearchQueueStore;
import dev.llmwatcher.engine.backfill.BackfillInstructions;
import dev.llmwatcher.engine.backfill.EnqueueReport;
import dev.llmwatcher.engine.backfill.EnqueueRequest;
import dev.llmwatcher.engine.backfill.Enqueuer;
import dev.llmwatcher.testing.TestElasticsearch;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

/**
 * {@code bin/benchmark enqueue [N]}: the rate of {@code enqueue --from} (documents queued per second) against the
 * best copy this cluster can do in the same run. The test distribution has no reindex module (no {@code _reindex}),
 * so the baseline is the same sliced point-in-time scan with a bulk {@code create} of the plain source into another
 * index: the difference is what the backfill adds (its {@code _llm_watcher} object, the queue's template and
 * mapping). Baseline and backfill alternate, three rounds each, on the same N documents of about 1 KB.
 */
public final class EnqueueBenchmark {

    private static final int ROUNDS = 3;
    private static final int SLICES = EnqueueRequest.DEFAULT_SLICES;
    private static final int PAGE = EnqueueRequest.DEFAULT_PAGE_SIZE;

    private EnqueueBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String scale = System.getProperty("llmwatcher.bench.scale", "5000");
        int documents = Integer.parseInt(scale.chars().allMatch(Character::isDigit) ? scale : "5000");
        TestElasticsearch es = TestElasticsearch.shared();
        System.out.println("enqueue benchmark: " + documents + " documents of ~1 KB, " + SLICES + " slices, pages of "
                + PAGE + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
        String source = TestElasticsearch.uniqueIndex("bench-source");
        write(es::bulkIndex, source, documents);
        ElasticsearchQueueStore store = es.queueStore();
        List<String> lines = new ArrayList<>();
        for (int round = 1; round <= ROUNDS; round++) {
            String copy = TestElasticsearch.uniqueIndex("bench-copy");
            double baseline = copy(store, source, copy, documents);
            String queue = TestElasticsearch.uniqueIndex("bench-queue");
            store.admin().templates().install(queue, Optional.empty());
            EnqueueReport report = new Enqueuer(store, Clock.systemUTC()).run(new EnqueueRequest(
                    SourceSelection.all(source), queue, new BackfillInstructions(null, null, "Rate: {{ctx.text}}",
                    null, null, null), "bench-" + round, SLICES, PAGE, null));
            if (report.result().created() != documents) {
                throw new IllegalStateException("queued " + report.result() + " of " + documents);
            }
            lines.add(String.format(java.util.Locale.ROOT, "round %d: scan + bulk copy %.0f documents/s, enqueue "
                    + "--from %.0f documents/s (%.2f of the copy)", round, baseline, report.rate(),
                    report.rate() / baseline));
            System.out.println(lines.getLast());
            es.delete("/" + copy);
            es.delete("/" + queue);
        }
        es.delete("/" + source);
        System.exit(0);
    }

    /** Writes {@code documents} documents of about 1 KB into {@code index} through {@code bulk}, 1,000 at a time. */
    static void write(BiConsumer<String, Map<String, Map<String, Object>>> bulk, String index, int documents) {
        String text = "x".repeat(1000);
        for (int from = 0; from < documents; from += 1000) {
            Map<String, Map<String, Object>> chunk = new LinkedHashMap<>();
            for (int n = from; n < Math.min(documents, from + 1000); n++) {
                chunk.put("d-" + n, Map.of("n", n, "text", text));
            }
            bulk.accept(index, chunk);
        }
    }

    /** The baseline: the same sliced scan, the plain source bulk-created into {@code copy}; documents per second. */
    static double copy(BackfillStore store, String source, String copy, int documents)
            throws Exception {
        long started = System.nanoTime();
        EnqueueResult total = EnqueueResult.NONE;
        try (SourceScan scan = store.scanSource(SourceSelection.all(source), SLICES, PAGE);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<EnqueueResult>> slices = new ArrayList<>();
            for (int slice = 0; slice < SLICES; slice++) {
                int number = slice;
                slices.add(threads.submit(() -> {
                    EnqueueResult result = EnqueueResult.NONE;
                    for (List<SourceDocument> page = scan.nextPage(number); !page.isEmpty();
                         page = scan.nextPage(number)) {
                        result = result.plus(store.enqueue(copy, page.stream()
                                .map(d -> new QueueEntry(d.id(), d.source())).toList()));
                    }
                    return result;
                }));
            }
            for (Future<EnqueueResult> slice : slices) {
                total = total.plus(slice.get());
            }
        }
        if (total.created() != documents) {
            throw new IllegalStateException("copied " + total + " of " + documents);
        }
        return documents / ((System.nanoTime() - started) / 1e9);
    }
}
