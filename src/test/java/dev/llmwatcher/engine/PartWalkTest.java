package dev.llmwatcher.engine;

import dev.llmwatcher.elasticsearch.ElasticsearchQueueStore;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.QueuePart;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import dev.llmwatcher.queue.QueueStore;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.llmwatcher.queue.QueueTestSupport.ids;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static org.assertj.core.api.Assertions.assertThat;

/** A pass's walk over the parts of the queue, against the real Elasticsearch. */
class PartWalkTest {

    private static final int PAGE = 4;
    private static final int DOCUMENTS = 8 * PAGE * PartWalk.PAGES_PER_PART;

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final ElasticsearchQueueStore store = es.queueStore();
    private final String queue = TestElasticsearch.uniqueIndex("parts");
    private final Instant now = Instant.now();
    private final QueueQuery query = new QueueQuery(queue, Selection.NEW, now, Optional.empty(), PAGE);

    private void queueDocuments() {
        Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
        for (int i = 0; i < DOCUMENTS; i++) {
            documents.put("doc-" + i, Map.of("n", i, "_llm_watcher", TestElasticsearch.pipelineMeta("target", "p")));
        }
        es.bulkIndex(queue, documents);
    }

    private static List<QueuedDocument> walkAll(PartWalk walk) {
        List<QueuedDocument> read = new ArrayList<>();
        for (List<QueuedDocument> page = walk.nextPage(); !page.isEmpty(); page = walk.nextPage()) {
            read.addAll(page);
        }
        return read;
    }

    @Test
    void theBacklogSetsHowManyPartsInPowersOfTwoUpToTheMost() {
        assertThat(PartWalk.partsFor(0, 8)).isEqualTo(1);
        assertThat(PartWalk.partsFor(63, 8)).isEqualTo(1);
        assertThat(PartWalk.partsFor(64, 8)).isEqualTo(2);
        assertThat(PartWalk.partsFor(800, 8)).isEqualTo(16);
        assertThat(PartWalk.partsFor(1600, 8)).isEqualTo(32);
        assertThat(PartWalk.partsFor(1_000_000, 8)).isEqualTo(PartWalk.MAX_PARTS);
    }

    @Test
    void aWalkWhoseFirstPartsAreEmptyStillReadsEveryOtherDocumentOnce() {
        queueDocuments();
        long seed = 7;
        PartWalk probe = PartWalk.open(store, query, DOCUMENTS, new Random(seed));
        int parts = probe.parts();
        List<QueuedDocument> firstPart = new ArrayList<>(probe.nextPage());
        probe.close();
        assertThat(parts).isEqualTo(8);
        // Another drainer holds the walk's own part and the next one: both are empty for this walk.
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7));
        Collections.shuffle(order, new Random(seed));
        List<QueuedDocument> taken = new ArrayList<>();
        for (int part : order.subList(0, 2)) {
            taken.addAll(scanAll(store, query.inPart(new QueuePart(part, parts))));
        }
        assertThat(ids(taken)).containsAll(ids(firstPart));
        assertThat(store.claim(queue, taken, new Claim("crashed", now.plusSeconds(600)))).hasSameSizeAs(taken);

        List<QueuedDocument> read;
        try (PartWalk walk = PartWalk.open(store, query.asOf(now.plusSeconds(1)), DOCUMENTS, new Random(seed))) {
            read = walkAll(walk);
        }

        assertThat(ids(read)).doesNotHaveDuplicates().hasSize(DOCUMENTS - taken.size())
                .doesNotContainAnyElementsOf(ids(taken));
    }

    @Test
    void aWalkThatFindsTwoPartsEmptyAndTheQueueDrainedEndsWithoutOpeningTheOthers() {
        queueDocuments();
        List<QueuedDocument> all = scanAll(store, query);
        assertThat(store.claim(queue, all, new Claim("other", now.plusSeconds(600)))).hasSameSizeAs(all);
        AtomicInteger scans = new AtomicInteger();
        QueueStore counting = (QueueStore) Proxy.newProxyInstance(QueueStore.class.getClassLoader(),
                new Class<?>[] {QueueStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("scan")) {
                        scans.incrementAndGet();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        try (PartWalk walk = PartWalk.open(counting, query.asOf(now.plusSeconds(1)), DOCUMENTS, new Random(5))) {
            assertThat(walk.parts()).isEqualTo(8);
            assertThat(walkAll(walk)).isEmpty();
            assertThat(walk.leftAtEnd()).as("its whole-queue check found nothing: the pass needs no backlog count")
                    .hasValue(0);
        }

        assertThat(scans).hasValue(PartWalk.EMPTY_PARTS_BEFORE_PROBE + 1);
    }

    @Test
    void aWholeQueueCheckCountsClaimsWhoseLeaseEndedSinceThePassBeganAsFree() {
        queueDocuments();
        List<QueuedDocument> all = scanAll(store, query);
        List<QueuedDocument> lapsed = all.subList(0, PAGE);
        assertThat(store.claim(queue, all.subList(PAGE, all.size()), new Claim("other", now.plusSeconds(600))))
                .hasSize(all.size() - PAGE);
        assertThat(store.claim(queue, lapsed, new Claim("crashed", now.plusSeconds(30)))).hasSize(PAGE);
        Clock later = Clock.fixed(now.plusSeconds(60), ZoneOffset.UTC);

        List<QueuedDocument> read;
        OptionalLong left;
        try (PartWalk walk = PartWalk.open(store, query.asOf(now.plusSeconds(1)), DOCUMENTS, new Random(5), later)) {
            read = walkAll(walk);
            left = walk.leftAtEnd();
        }

        assertThat(read).as("the pass's own scans see the lapsed claims as live").isEmpty();
        assertThat(left).as("its check sees them free: a page of lapsed claims waits").hasValue(PAGE);
    }

    @Test
    void aWalkWhoseCheckFindsNoMoreThanAPageForEachOtherPartEndsAndSaysWhatIsLeft() {
        queueDocuments();
        long seed = 11;
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7));
        Collections.shuffle(order, new Random(seed));
        int last = order.getLast();
        List<QueuedDocument> inLastPart = scanAll(store, query.inPart(new QueuePart(last, 8)));
        List<QueuedDocument> all = scanAll(store, query);
        int leftOver = PAGE * 7;
        List<QueuedDocument> waiting = inLastPart.subList(0, Math.min(leftOver, inLastPart.size()));
        List<QueuedDocument> taken = all.stream().filter(d -> !ids(waiting).contains(d.id())).toList();
        assertThat(store.claim(queue, taken, new Claim("others", now.plusSeconds(600)))).hasSameSizeAs(taken);

        List<QueuedDocument> read;
        OptionalLong left;
        try (PartWalk walk = PartWalk.open(store, query.asOf(now.plusSeconds(1)), DOCUMENTS, new Random(seed))) {
            read = walkAll(walk);
            left = walk.leftAtEnd();
        }

        assertThat(read).as("two parts empty, then the check: a page or less for each other part is left")
                .isEmpty();
        assertThat(left).hasValue(waiting.size());
    }

    @Test
    void aWalkWhoseCheckFindsMoreThanAPageForEachOtherPartGoesOn() {
        queueDocuments();
        long seed = 11;
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7));
        Collections.shuffle(order, new Random(seed));
        List<QueuedDocument> taken = new ArrayList<>();
        for (int part : order.subList(0, 2)) {
            taken.addAll(scanAll(store, query.inPart(new QueuePart(part, 8))));
        }
        assertThat(store.claim(queue, taken, new Claim("others", now.plusSeconds(600)))).hasSameSizeAs(taken);

        List<QueuedDocument> read;
        try (PartWalk walk = PartWalk.open(store, query.asOf(now.plusSeconds(1)), DOCUMENTS, new Random(seed))) {
            read = walkAll(walk);
            assertThat(walk.leftAtEnd()).isEmpty();
        }

        assertThat(ids(read)).doesNotHaveDuplicates().hasSize(DOCUMENTS - taken.size());
    }

    @Test
    void aCrowdedPartIsLeftForLaterAndReadAgainAtTheEnd() {
        queueDocuments();
        List<QueuedDocument> read = new ArrayList<>();
        try (PartWalk walk = PartWalk.open(store, query, DOCUMENTS, new Random(3))) {
            List<QueuedDocument> first = walk.nextPage();
            read.addAll(first);
            walk.crowded();
            read.addAll(walkAll(walk));
        }

        assertThat(ids(read)).hasSize(DOCUMENTS + PAGE).containsAll(ids(scanAll(store, query)));
    }

    @Test
    void aQueueOfAFewPagesIsOneScanAsBefore() {
        Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            documents.put("doc-" + i, Map.of("_llm_watcher", TestElasticsearch.pipelineMeta("target", "p")));
        }
        es.bulkIndex(queue, documents);

        try (PartWalk walk = PartWalk.open(store, query, 10, new Random())) {
            assertThat(walk.parts()).isEqualTo(1);
            assertThat(walkAll(walk)).hasSize(10);
            assertThat(walk.leftAtEnd()).as("a walk that read its parts to the end knows nothing of what came since")
                    .isEmpty();
        }
    }
}
