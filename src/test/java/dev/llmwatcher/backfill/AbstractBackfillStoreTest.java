package dev.llmwatcher.backfill;

import dev.llmwatcher.queue.AbstractPortTest;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

/**
 * The rules of the backfill port ({@link BackfillStore}), stated once for every implementation (one small subclass
 * each, as {@code AbstractQueueStoreTest}): a sliced scan reads each selected document once with its concrete index
 * and version; creating queue documents never replaces one.
 */
public abstract class AbstractBackfillStoreTest extends AbstractPortTest {

    protected BackfillStore backfill() {
        return ports.backfillStore();
    }

    /** {@code count} documents {@code d-0 …} in {@code index}, every third one {@code selected}. */
    private void writeDocuments(String index, int count) {
        Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            documents.put("d-" + i, Map.of("n", i, "selected", i % 3 == 0));
        }
        ports.write(index, documents);
    }

    private List<SourceDocument> readAll(SourceSelection selection, int slices, int pageSize) {
        List<SourceDocument> all = new ArrayList<>();
        try (SourceScan scan = backfill().scanSource(selection, slices, pageSize)) {
            assertThat(scan.slices()).isEqualTo(slices);
            for (int slice = 0; slice < slices; slice++) {
                for (List<SourceDocument> page = scan.nextPage(slice); !page.isEmpty(); page = scan.nextPage(slice)) {
                    assertThat(page.size()).isLessThanOrEqualTo(pageSize);
                    all.addAll(page);
                }
            }
        }
        return all;
    }

    private static QueueEntry entry(String id, Map<String, Object> userFields, String backfillId) {
        Map<String, Object> source = new LinkedHashMap<>(userFields);
        source.put(QueueFields.META, Map.of("prompt", "p", "_original_index", "somewhere", "backfill", backfillId));
        return new QueueEntry(id, source);
    }

    @Test
    void aSlicedScanReadsEachSelectedDocumentOnceWithItsIndexVersionAndSource() {
        writeDocuments(target, 40);
        SourceSelection selected = new SourceSelection(target, Map.of("term", Map.of("selected", true)));

        List<SourceDocument> read = readAll(selected, 3, 4);

        assertThat(backfill().countMatching(selected)).isEqualTo(14);
        assertThat(read).hasSize(14).extracting(SourceDocument::id).doesNotHaveDuplicates();
        assertThat(read).allSatisfy(document -> {
            assertThat(document.index()).isEqualTo(target);
            assertThat(document.seqNo()).isNotNegative();
            assertThat(document.primaryTerm()).isPositive();
            assertThat(document.source()).containsEntry("selected", true)
                    .containsEntry("n", Integer.parseInt(document.id().substring(2)));
        });
    }

    @Test
    void aPatternNamesEachDocumentsConcreteIndexAndAMissingIndexIsAnEmptySelection() {
        writeDocuments(target + "-a", 2);
        writeDocuments(target + "-b", 3);

        List<SourceDocument> read = readAll(SourceSelection.all(target + "-*"), 1, 10);

        assertThat(read).extracting(SourceDocument::index).containsOnly(target + "-a", target + "-b");
        assertThat(read.stream().filter(d -> d.index().equals(target + "-b"))).hasSize(3);
        assertThat(backfill().countMatching(SourceSelection.all("missing-" + target))).isZero();
        assertThat(readAll(SourceSelection.all("missing-" + target), 2, 10)).isEmpty();
    }

    @Test
    void enqueueingCreatesOnlyIdsNotQueuedYetAndLeavesTheQueuedOnesAsTheyWere() {
        EnqueueResult first = backfill().enqueue(queue, List.of(entry("a", Map.of("v", 1), "bf-1"),
                entry("b", Map.of("v", 1), "bf-1")));

        EnqueueResult second = backfill().enqueue(queue, List.of(entry("a", Map.of("v", 2), "bf-2"),
                entry("c", Map.of("v", 2), "bf-2")));

        assertThat(first).isEqualTo(new EnqueueResult(2, 0, 0, Map.of()));
        assertThat(second).isEqualTo(new EnqueueResult(1, 1, 0, Map.of()));
        assertThat(ports.source(queue, "a").orElseThrow()).containsEntry("v", 1)
                .extractingByKey(QueueFields.META).asInstanceOf(MAP).containsEntry("backfill", "bf-1");
        assertThat(ports.source(queue, "c").orElseThrow()).containsEntry("v", 2);
    }

    @Test
    void enqueueingAgainNeverTakesADocumentFromTheDrainerThatHoldsIt() {
        backfill().enqueue(queue, List.of(entry("held", Map.of("v", 1), "bf-1")));
        List<QueuedDocument> read = scanAll(store, query(queue, Selection.NEW, NOW));
        QueuedDocument claimed = store.claim(queue, read, new Claim("drainer", NOW.plusSeconds(300))).getFirst();

        EnqueueResult again = backfill().enqueue(queue, List.of(entry("held", Map.of("v", 1), "bf-1")));

        assertThat(again.alreadyQueued()).isEqualTo(1);
        assertThat(again.created()).isZero();
        assertThat(scanAll(store, query(queue, Selection.NEW, NOW))).isEmpty();
        assertThat(store.claim(queue, List.of(claimed), new Claim("drainer", NOW.plusSeconds(600)))).hasSize(1);
    }

    @Test
    void progressCountsEachBackfillsWaitingAndFailedDocuments() {
        backfill().enqueue(queue, List.of(entry("a", Map.of(), "bf-1"), entry("b", Map.of(), "bf-1"),
                entry("c", Map.of(), "bf-2")));
        QueuedDocument b = scanAll(store, query(queue, Selection.NEW, NOW)).stream()
                .filter(d -> d.id().equals("b")).findFirst().orElseThrow();
        store.recordFailures(queue, List.of(new FailureRecord(b, "boom", 1, NOW, NOW, false)));

        List<BackfillProgress> progress = backfill().progress(queue);

        assertThat(progress).containsExactlyInAnyOrder(new BackfillProgress("bf-1", 1, 1),
                new BackfillProgress("bf-2", 1, 0));
        assertThat(backfill().progress("missing-" + queue)).isEmpty();
    }

    @Test
    void slicesMayBeReadConcurrently() throws Exception {
        writeDocuments(target, 60);
        Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (SourceScan scan = backfill().scanSource(SourceSelection.all(target), 3, 7);
             var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Integer>> slices = new ArrayList<>();
            for (int slice = 0; slice < 3; slice++) {
                int number = slice;
                slices.add(threads.submit(() -> {
                    int read = 0;
                    for (List<SourceDocument> page = scan.nextPage(number); !page.isEmpty();
                         page = scan.nextPage(number)) {
                        page.forEach(d -> ids.add(d.id()));
                        read += page.size();
                    }
                    return read;
                }));
            }
            int total = 0;
            for (var slice : slices) {
                total += slice.get();
            }
            assertThat(total).isEqualTo(60);
        }
        assertThat(new HashSet<>(ids)).hasSize(60);
    }

    @Test
    void aBackfillsRecordIsKeptBesideTheQueueAndReplacedUnderTheSameId() {
        java.time.Instant earlier = NOW.minusSeconds(60);
        backfill().recordBackfill(queue, new BackfillRecord("bf-old", target, 10, 10, earlier, earlier));
        backfill().recordBackfill(queue, new BackfillRecord("bf-new", target, 5, 3, NOW, NOW));
        backfill().recordBackfill(queue, new BackfillRecord("bf-new", target, 5, 5, NOW, NOW.plusSeconds(1)));

        assertThat(backfill().backfillRecords(queue)).containsExactly(
                new BackfillRecord("bf-new", target, 5, 5, NOW, NOW.plusSeconds(1)),
                new BackfillRecord("bf-old", target, 10, 10, earlier, earlier));
        assertThat(backfill().backfillRecords("missing-" + queue)).isEmpty();
    }
}
