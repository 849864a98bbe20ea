package dev.llmwatcher.engine;

import dev.llmwatcher.queue.QueuePart;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueuedDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;

/**
 * A pass's walk over the queue, one part ({@link QueuePart}) after another in an order of its own, so drainers that
 * work at the same moment read different documents instead of all claiming the same first page (Kibana's task
 * manager spreads its claims the same way). Each drainer starts in a random part and moves on when its part runs dry,
 * so no document waits for a particular drainer and a crashed drainer's part is worked by the others. When most of a
 * claimed page turns out taken by someone else, another drainer is working the same part: the walk leaves it for
 * later (once) and moves on. The number of parts follows the backlog: a queue of a few pages is one part, read as
 * before.
 *
 * <p>Only the thread that reads pages calls {@link #nextPage}; {@link #crowded} may come from another thread.
 */
final class PartWalk implements QueueScan {

    private static final Logger LOG = LoggerFactory.getLogger(PartWalk.class);

    /** The most parts a queue is split into. */
    static final int MAX_PARTS = 64;
    /**
     * A diagnostic switch, not a setting: {@code -Dllmwatcher.queue.maxParts=1} makes every pass read the whole queue
     * as one part, as before the parts, so the benchmark's figure 7 can compare both in one run.
     */
    static final String MAX_PARTS_PROPERTY = "llmwatcher.queue.maxParts";
    /**
     * Pages a part holds at least, so a drainer's reads of its part pay for opening it. Four (rather than eight) gives
     * a fleet about as many parts as drainers at the backlogs a fleet is started for (800 documents in pages of 8:
     * 16 parts), so fewer drainers start in the same part; the part changes that more parts bring are paid back by
     * {@link #EMPTY_PARTS_BEFORE_PROBE}.
     */
    static final int PAGES_PER_PART = 4;
    /**
     * Parts in a row found empty on their first page after which the walk asks the whole queue once how much is left:
     * when nothing is, or no more than a page for each other part (the pages the drainers still at work have read
     * ahead, and the ends of their parts), the walk ends there instead of opening every remaining part (which, with
     * many parts and many drainers, cost more searches at the end of a pass than the documents did). A check that
     * found nothing is the pass's backlog count ({@link BacklogCount}); what another found is left to the drainers
     * finishing it and to the next pass.
     */
    static final int EMPTY_PARTS_BEFORE_PROBE = 2;

    private final QueueStore store;
    private final QueueQuery query;
    private final Clock clock;
    private final long totalEligible;
    private final int count;
    private final Deque<Integer> order;
    private final Set<Integer> leftForLater = new HashSet<>();
    private QueueScan current;
    private int currentPart;
    private volatile boolean crowded;
    /** What the whole-queue check the walk ended on found eligible; -1 when it did not end on one. */
    private volatile long leftAtEnd = -1;
    /** Parts opened so far: the number of the visit the pages now read belong to. */
    private volatile int visits;
    private boolean closed;
    private int pagesInCurrent;
    private int emptyPartsInARow;
    /**
     * Whether the last page read from the current part was a full one short of the part's total (so the next read is
     * a search; the scans know the total from their first page and ask no further).
     */
    private boolean lastPageFull;
    private long readInCurrent;
    private final Searches searches = new Searches();

    /**
     * The walk's searches by kind, for the debug line at its end (figure 7 sums them): pages with documents, parts
     * found empty on their first page, empty pages that ended a part after a full one, whole-queue checks, and the
     * parts left crowded. A page that followed a short one was never asked for (the scan knew it had ended).
     */
    private static final class Searches {
        int pages;
        int emptyParts;
        int ends;
        int probes;
        int crowdedLeft;
    }

    private PartWalk(QueueStore store, QueueQuery query, long totalEligible, Random random, Clock clock) {
        this.store = store;
        this.query = query;
        this.clock = clock;
        this.totalEligible = totalEligible;
        this.count = partsFor(totalEligible, query.pageSize());
        List<Integer> parts = new ArrayList<>(count);
        for (int part = 0; part < count; part++) {
            parts.add(part);
        }
        Collections.shuffle(parts, random);
        this.order = new ArrayDeque<>(parts);
    }

    /** Opens the first part's scan at once, so an unreachable queue fails here. */
    static PartWalk open(QueueStore store, QueueQuery query, long totalEligible, Random random, Clock clock) {
        PartWalk walk = new PartWalk(store, query, totalEligible, random, clock);
        walk.openNext();
        return walk;
    }

    /** As above, its whole-queue checks as of the system clock's now. */
    static PartWalk open(QueueStore store, QueueQuery query, long totalEligible, Random random) {
        return open(store, query, totalEligible, random, Clock.systemUTC());
    }

    /**
     * Parts for a backlog: the largest power of two (so the parts of drainers that counted different backlogs nest)
     * that leaves each part {@value #PAGES_PER_PART} pages, at most {@value #MAX_PARTS}.
     */
    static int partsFor(long eligible, int pageSize) {
        long pages = eligible / ((long) Math.max(1, pageSize) * PAGES_PER_PART);
        int most = Math.max(1, Math.min(MAX_PARTS, Integer.getInteger(MAX_PARTS_PROPERTY, MAX_PARTS)));
        int parts = 1;
        while (parts * 2L <= pages && parts < most) {
            parts *= 2;
        }
        return parts;
    }

    int parts() {
        return count;
    }

    /** The eligible count the walk was sized by (the pass's "Found N"). */
    @Override
    public long totalEligible() {
        return totalEligible;
    }

    /** The visit the last page read belongs to (each part opened is a new visit). */
    int visit() {
        return visits;
    }

    /** Another drainer claimed most of the last page first: move on from this part. */
    void crowded() {
        crowded = true;
    }

    /** As above, unless the walk has left the part of visit {@code visit} already. */
    void crowded(int visit) {
        if (visit == visits) {
            crowded = true;
        }
    }

    @Override
    public List<QueuedDocument> nextPage() {
        while (current != null) {
            if (crowded) {
                crowded = false;
                searches.crowdedLeft++;
                if (leftForLater.add(currentPart)) {
                    order.addLast(currentPart);
                }
                closeCurrent();
                openNext();
                continue;
            }
            List<QueuedDocument> page = current.nextPage();
            if (!page.isEmpty()) {
                pagesInCurrent++;
                emptyPartsInARow = 0;
                searches.pages++;
                readInCurrent += page.size();
                lastPageFull = page.size() >= query.pageSize() && readInCurrent < current.totalEligible();
                return page;
            }
            boolean wasEmpty = pagesInCurrent == 0;
            if (wasEmpty) {
                searches.emptyParts++;
            } else if (lastPageFull) {
                searches.ends++;
            }
            closeCurrent();
            if (wasEmpty && ++emptyPartsInARow >= EMPTY_PARTS_BEFORE_PROBE && !order.isEmpty()) {
                long left = leftNow();
                if (left <= (long) query.pageSize() * (count - 1)) {
                    order.clear();
                    leftAtEnd = left;
                }
            }
            openNext();
        }
        return List.of();
    }

    /**
     * What the whole-queue check the walk ended on found eligible, if it ended on one: as good as a count made at that
     * moment ({@link BacklogCount} takes a 0 as the pass's backlog).
     */
    OptionalLong leftAtEnd() {
        long left = leftAtEnd;
        return left < 0 ? OptionalLong.empty() : OptionalLong.of(left);
    }

    /**
     * One page of the whole query as of now (claims whose lease ended since the pass began count as free, as a count
     * would take them): the number of its documents eligible now, which the scan's first page reports.
     */
    private long leftNow() {
        emptyPartsInARow = 0;
        searches.probes++;
        try (QueueScan whole = store.scan(query.asOf(clock.instant()))) {
            return whole.nextPage().isEmpty() ? 0 : whole.totalEligible();
        }
    }

    private void openNext() {
        Integer part = closed ? null : order.poll();
        if (part == null) {
            return;
        }
        currentPart = part;
        pagesInCurrent = 0;
        readInCurrent = 0;
        visits++;
        current = store.scan(count == 1 ? query : query.inPart(new QueuePart(part, count)));
    }

    private void closeCurrent() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            LOG.debug("Queue walk: {} parts, {} opened, {} left crowded; searches: {} pages, {} empty parts, {} ends "
                            + "of parts, {} whole-queue checks", count, visits, searches.crowdedLeft, searches.pages,
                    searches.emptyParts, searches.ends, searches.probes);
        }
        closed = true;
        closeCurrent();
    }
}
