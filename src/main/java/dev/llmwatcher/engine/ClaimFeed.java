package dev.llmwatcher.engine;

import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueuedDocument;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Reads and claims queue documents ahead of the LLM calls, so a free call slot never waits for a search or a
 * claim. Two threads form a pipeline: one reads the next page while the other claims the page before it (a search
 * and a claim bulk take about as long as each other, so overlapping them nearly halves the time per page). It holds
 * at most one page read ahead and one page of claimed, unstarted documents, which keeps claims short-lived; on
 * {@link #stop()} it hands back whatever it claimed but never handed out, for release. It reads the queue part by
 * part ({@link PartWalk}), and a claim that loses most of its page to another drainer moves it to another part.
 */
final class ClaimFeed implements AutoCloseable {

    private static final long OFFER_WAIT_MILLIS = 50;
    /** Pages in a row of documents waiting for a spent budget after which the feed claims no more. */
    static final int MAX_WAITING_PAGES = 10;

    private final QueueStore store;
    private final Predicate<QueuedDocument> admits;
    private final String queueIndex;
    private final Claim claim;
    private final int maxDocuments;
    private final PartWalk scan;
    private final BlockingQueue<QueuedDocument> ready;
    private final AtomicInteger skipped = new AtomicInteger();
    private final BlockingQueue<Page> pages = new ArrayBlockingQueue<>(1);
    private final Thread reader;
    private final Thread producer;
    private final List<QueuedDocument> unhanded = new ArrayList<>();
    private volatile boolean stopped;
    private volatile boolean exhausted;
    private volatile RuntimeException failure;

    private ClaimFeed(QueueStore store, QueueQuery query, Claim claim, int maxDocuments,
                      Predicate<QueuedDocument> admits, long eligible, Clock clock) {
        this.admits = admits;
        this.store = store;
        this.queueIndex = query.index();
        this.claim = claim;
        this.maxDocuments = maxDocuments;
        this.scan = PartWalk.open(store, query, eligible, new Random(), clock);
        this.ready = new ArrayBlockingQueue<>(Math.max(1, query.pageSize()));
        this.reader = Thread.ofVirtual().name("queue-reader").start(this::readAhead);
        this.producer = Thread.ofVirtual().name("claim-feed").start(this::produce);
    }

    /**
     * Opens the walk over the queue's parts ({@link PartWalk}, sized by {@code eligible}, the count the pass found;
     * its first scan opens here, so an unreachable queue fails here, before anything starts) and starts claiming
     * only the documents {@code admits} lets through: the others (their token budget is spent) are left as they are,
     * and the documents behind them are still claimed. After {@value #MAX_WAITING_PAGES} pages in a row with none it
     * lets through, the claiming ends: the rest of the queue is likely more of the same, and the next pass leaves the
     * spent models out of its query instead of reading past them.
     */
    static ClaimFeed open(QueueStore store, QueueQuery query, Claim claim, int maxDocuments,
                          Predicate<QueuedDocument> admits, long eligible, Clock clock) {
        return new ClaimFeed(store, query, claim, maxDocuments, admits, eligible, clock);
    }

    long totalEligible() {
        return scan.totalEligible();
    }

    /** What the whole-queue check the walk ended on found eligible, if it ended on one ({@link PartWalk#leftAtEnd}). */
    OptionalLong leftAtEnd() {
        return scan.leftAtEnd();
    }

    /** Number of read documents another run had changed or claimed first. */
    int skipped() {
        return skipped.get();
    }

    /**
     * The next claimed document, waiting at most {@code wait}; null when none arrived in time. Throws what the
     * producer hit if the queue became unavailable.
     */
    QueuedDocument next(Duration wait) throws InterruptedException {
        QueuedDocument document = ready.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (document == null && failure != null) {
            throw failure;
        }
        return document;
    }

    /** True when nothing more will come: the queue is drained, the cap reached, or the producer failed. */
    boolean exhausted() {
        return exhausted && ready.isEmpty();
    }

    /** Stops claiming and returns the claimed documents that were never handed out. */
    List<QueuedDocument> stop() throws InterruptedException {
        stopped = true;
        producer.join();
        reader.join();
        List<QueuedDocument> leftovers = new ArrayList<>(unhanded);
        ready.drainTo(leftovers);
        return leftovers;
    }

    /** A page read, and the visit of a part ({@link PartWalk#visit}) it was read in. */
    private record Page(List<QueuedDocument> documents, int visit) {

        static final Page END = new Page(List.of(), -1);

        boolean isEmpty() {
            return documents.isEmpty();
        }
    }

    /** Reads pages into {@link #pages}, one ahead of the claims; an empty page marks the end. */
    private void readAhead() {
        Page page = Page.END;
        try {
            do {
                List<QueuedDocument> documents = scan.nextPage();
                page = new Page(documents, scan.visit());
                while (!pages.offer(page, OFFER_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                    if (stopped) {
                        return;
                    }
                }
            } while (!page.isEmpty() && !stopped);
        } catch (RuntimeException e) {
            failure = e;
            pages.offer(Page.END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Page nextReadPage() throws InterruptedException {
        while (true) {
            Page page = pages.poll(OFFER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            if (page != null) {
                return page;
            }
            if (stopped || failure != null) {
                return Page.END;
            }
        }
    }

    private void produce() {
        int claimedSoFar = 0;
        int waitingPages = 0;
        try {
            int crowdedVisit = -1;
            while (!stopped && claimedSoFar < maxDocuments) {
                Page read = nextReadPage();
                if (read.isEmpty()) {
                    break;
                }
                if (read.visit() == crowdedVisit) {
                    continue; // read ahead from a part another drainer works: left to it
                }
                List<QueuedDocument> page = read.documents();
                List<QueuedDocument> wanted = page.subList(0, Math.min(page.size(), maxDocuments - claimedSoFar))
                        .stream().filter(admits).toList();
                if (wanted.isEmpty()) {
                    if (++waitingPages == MAX_WAITING_PAGES) {
                        break;
                    }
                    continue;
                }
                waitingPages = 0;
                List<QueuedDocument> claimed = store.claim(queueIndex, wanted, claim);
                skipped.addAndGet(wanted.size() - claimed.size());
                if (claimed.size() * 2 < wanted.size()) {
                    crowdedVisit = read.visit();
                    scan.crowded(read.visit());
                }
                claimedSoFar += claimed.size();
                handOut(claimed);
            }
        } catch (RuntimeException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exhausted = true;
        }
    }

    private void handOut(List<QueuedDocument> claimed) throws InterruptedException {
        for (int i = 0; i < claimed.size(); i++) {
            QueuedDocument document = claimed.get(i);
            while (!ready.offer(document, OFFER_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                if (stopped) {
                    unhanded.addAll(claimed.subList(i, claimed.size()));
                    return;
                }
            }
        }
    }

    /** Closes the scan once both threads have ended (a read in progress finishes first). */
    @Override
    public void close() {
        stopped = true;
        try {
            producer.join();
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scan.close();
    }
}
